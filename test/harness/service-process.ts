import { spawn, type ChildProcess } from 'node:child_process';

/** A service process started by the harness. `stop()` is idempotent. */
export interface ServiceProcess {
  readonly pid: number;
  /** Output seen so far (stdout and stderr, interleaved), for error messages. */
  output(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

export interface SpawnServiceOptions {
  readonly command: string;
  readonly args: readonly string[];
  /** Ready when the output matches; the match is returned. */
  readonly ready: RegExp;
  /**
   * Run under `sh` so that closing our stdin pipe kills the service, also when the test runner is
   * SIGKILLed (the pipe closes with it). Leave false for programs that exit on stdin EOF themselves.
   */
  readonly guard: boolean;
  /** Signal the guard sends on stop; KILL by default (all state is throwaway). */
  readonly stopSignal?: 'KILL' | 'TERM';
  readonly cwd?: string;
  readonly readyTimeoutMs?: number;
  /**
   * Output that means the service will never get ready (under the guard a dead service is
   * otherwise seen only at the timeout): fail at once, so the caller can retry.
   */
  readonly failOn?: RegExp;
  /** Receives every output line after readiness (the kafka-mock command replies). */
  readonly onLine?: (line: string) => void;
}

export interface StartedService {
  readonly process: ServiceProcess;
  readonly match: RegExpMatchArray;
  readonly child: ChildProcess;
}

const GUARD_SCRIPT = '"$0" "$@" 2>&1 & c=$!; read _; kill -$SIG $c; wait $c';
const OUTPUT_LIMIT = 64 * 1024;

/**
 * Spawns a service and waits until its output matches `ready` (never sleeps). Rejects with the
 * service's output if it exits first or does not get ready in time.
 */
export function spawnService(opts: SpawnServiceOptions): Promise<StartedService> {
  const child = opts.guard
    ? spawn('sh', ['-c', GUARD_SCRIPT, opts.command, ...opts.args], {
        cwd: opts.cwd,
        env: { ...process.env, SIG: opts.stopSignal ?? 'KILL' },
        stdio: ['pipe', 'pipe', 'pipe'],
      })
    : spawn(opts.command, [...opts.args], { cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });

  let out = '';
  let pending = '';
  let isReady = false;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });

  const proc: ServiceProcess = {
    get pid() {
      return child.pid ?? -1;
    },
    output: () => out,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.stdin?.end();
      await exited;
    },
  };

  return new Promise<StartedService>((resolve, reject) => {
    const timeoutMs = opts.readyTimeoutMs ?? 60_000;
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.stdin?.end();
      reject(new Error(`${opts.command} ${why}; output:\n${out.slice(-4000)}`));
    };
    const timer = setTimeout(() => fail(`not ready after ${timeoutMs} ms`), timeoutMs);
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      if (out.length < OUTPUT_LIMIT) out += text;
      if (!isReady) {
        if (opts.failOn !== undefined && opts.failOn.test(out)) {
          fail('failed while starting');
          return;
        }
        const m = out.match(opts.ready);
        if (m) {
          isReady = true;
          clearTimeout(timer);
          // Lines after the ready line go to onLine.
          pending = out.slice((m.index ?? 0) + m[0].length).replace(/^[^\n]*\n?/, '');
          flushLines();
          resolve({ process: proc, match: m, child });
        }
        return;
      }
      pending += text;
      flushLines();
    };
    const flushLines = (): void => {
      let nl = pending.indexOf('\n');
      while (nl >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        opts.onLine?.(line);
        nl = pending.indexOf('\n');
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (err) => fail(`could not start: ${err.message}`));
    child.once('exit', (code, signal) => {
      if (!isReady) fail(`exited (code ${code}, signal ${signal}) before getting ready`);
    });
    // A closed pipe on a dead child must not crash the test process.
    child.stdin?.on('error', () => {});
  });
}
