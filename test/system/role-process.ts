import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI: the system suite runs exactly what a user runs (`npm run build` first). */
export const CLI = fileURLToPath(new URL('../../dist/ops/cli/main.js', import.meta.url));

/**
 * Runs the command and kills it when our stdin pipe closes, also when the test runner dies
 * (SIGKILL included: the pipe closes with it), so no role outlives the suite. fd 3 tells us the
 * role's own pid, which the signals go to; the wrapper exits with the role's status.
 */
const GUARD_SCRIPT =
  'exec 4<&0; "$0" "$@" & c=$!; echo "$c" >&3; exec 3>&-; ' +
  '(read _ <&4; kill -9 $c 2>/dev/null) & w=$!; wait $c; r=$?; kill $w 2>/dev/null; exit $r';

const LOG_TAIL = 6000;

export interface RoleSpec {
  /** Name in logs and failure messages, e.g. `store-1`. */
  readonly name: string;
  /** CLI arguments after `node dist/ops/cli/main.js`, `--listen` included. */
  readonly args: readonly string[];
  /** `http://127.0.0.1:P` the role listens on (fixed, so a restart keeps its address). */
  readonly url: string;
  readonly cwd?: string;
}

/**
 * One `tidemark <role>` OS process. Output goes to `<logDir>/<name>.log` (appended across
 * restarts) and is kept in memory for failure messages.
 */
export class RoleProcess {
  private child: ChildProcess | undefined;
  private pidValue = -1;
  private exitedP: Promise<number | null> = Promise.resolve(null);
  private out = '';
  private log: WriteStream;
  private starts = 0;

  constructor(
    readonly spec: RoleSpec,
    logDir: string,
  ) {
    this.log = createWriteStream(join(logDir, `${spec.name}.log`), { flags: 'a' });
  }

  get name(): string {
    return this.spec.name;
  }

  get url(): string {
    return this.spec.url;
  }

  /** The role's own pid (not the guard's). */
  get pid(): number {
    return this.pidValue;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the exit status when the current process ends (137 after SIGKILL). */
  get exited(): Promise<number | null> {
    return this.exitedP;
  }

  /** The last few KB of output, for failure messages. */
  output(): string {
    return this.out.slice(-LOG_TAIL);
  }

  /** Output since the last (re)start. */
  outputSinceStart(): string {
    const marker = `=== start ${this.starts} ===\n`;
    const at = this.out.lastIndexOf(marker);
    return at < 0 ? this.out : this.out.slice(at + marker.length);
  }

  /** Starts the process (again, with the same arguments and data directory after a stop or kill). */
  async spawn(): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running (pid ${this.pid})`);
    this.starts++;
    this.append(`=== start ${this.starts} ===\n`);
    const child = spawn('sh', ['-c', GUARD_SCRIPT, process.execPath, CLI, ...this.spec.args], {
      cwd: this.spec.cwd,
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdin?.on('error', () => {});
    child.stdout?.on('data', (d: Buffer) => this.append(d.toString('utf8')));
    child.stderr?.on('data', (d: Buffer) => this.append(d.toString('utf8')));
    this.exitedP = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.append(`=== exited: code ${code} signal ${signal} ===\n`);
        resolve(code);
      });
      child.once('error', () => resolve(null));
    });
    const pidPipe = child.stdio[3] as NodeJS.ReadableStream;
    this.pidValue = await new Promise<number>((resolve, reject) => {
      let text = '';
      pidPipe.on('data', (d: Buffer) => {
        text += d.toString();
        const m = /^(\d+)\n/.exec(text);
        if (m) resolve(Number(m[1]));
      });
      pidPipe.on('end', () => reject(new Error(`${this.name}: no pid from the process guard`)));
    });
  }

  /** Waits until `/-/healthy` and `/-/ready` answer 200; fails early, with the log, if the process exits. */
  async waitReady(timeoutMs = 60_000): Promise<void> {
    await this.waitPath('/-/healthy', timeoutMs);
    await this.waitPath('/-/ready', timeoutMs);
  }

  /** How often the process was started again because it exited with a failure while starting. */
  failedStarts = 0;

  /**
   * Starts the process and waits until it is ready. A role that exits non-zero while starting is
   * started again, up to `retries` times, as a supervisor (systemd `Restart=on-failure`, a
   * Kubernetes pod) would; `failedStarts` counts those.
   */
  async start(timeoutMs = 60_000, retries = 3): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      await this.spawn();
      try {
        await this.waitReady(Math.max(1000, deadline - Date.now()));
        return;
      } catch (err) {
        const code = this.running ? undefined : this.child?.exitCode;
        if (code === undefined || code === null || code === 0 || attempt >= retries || Date.now() > deadline) throw err;
        this.failedStarts++;
      }
    }
  }

  private async waitPath(path: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer';
    const exited = this.exitedP.then((code) => code);
    let gone: number | null | undefined;
    void exited.then((c) => (gone = c));
    for (;;) {
      if (gone !== undefined || !this.running) {
        throw new Error(`${this.name} exited (status ${gone ?? this.child?.exitCode}) before ${path} answered 200; output:\n${this.output()}`);
      }
      try {
        const res = await fetch(`${this.url}${path}`, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200) return;
        last = `${res.status} ${(await res.text()).trim()}`;
      } catch (err) {
        last = (err as Error).message;
      }
      if (Date.now() > deadline) {
        throw new Error(`${this.name}: ${path} not 200 after ${timeoutMs} ms (last: ${last}); output:\n${this.output()}`);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  /** Sends a signal to the role and resolves with its exit status. */
  async signal(sig: 'SIGKILL' | 'SIGTERM'): Promise<number | null> {
    if (!this.running) return this.child?.exitCode ?? null;
    process.kill(this.pid, sig);
    return this.exitedP;
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. Resolves with the exit status. */
  async stop(graceMs = 15_000): Promise<number | null> {
    if (!this.running) return this.child?.exitCode ?? null;
    process.kill(this.pid, 'SIGTERM');
    const timer = setTimeout(() => {
      if (this.running) process.kill(this.pid, 'SIGKILL');
    }, graceMs);
    try {
      return await this.exitedP;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills at once through the guard (stdin EOF); for teardown. */
  async kill(): Promise<void> {
    if (this.running) this.child?.stdin?.end();
    await this.exitedP;
  }

  async closeLog(): Promise<void> {
    await new Promise<void>((r) => this.log.end(() => r()));
  }

  private append(text: string): void {
    this.out += text;
    if (this.out.length > 4 * LOG_TAIL) this.out = this.out.slice(-2 * LOG_TAIL);
    // Output of a process still stopping may follow closeLog(): it stays in the tail only.
    if (!this.log.writableEnded) this.log.write(text);
  }
}
