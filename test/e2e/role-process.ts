import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from './cli-process.js';

/** A long-running `tidemark <role>` process whose JSON log lines a test can wait for. */
export interface RoleProcess {
  readonly child: ChildProcess;
  /** Everything the process wrote so far (standard output and error). */
  output(): string;
  /** Resolves with the first match of `pattern` in the output (polling; rejects when the process exits first). */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Sends a signal (default SIGTERM) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `tidemark ARGS` as it is (the caller passes --listen). */
export function spawnRole(args: readonly string[]): RoleProcess {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let exitCode: number | null | undefined;
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  return {
    child,
    output: () => out,
    exited,
    async waitForLog(pattern, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = pattern.exec(out);
        if (m) return m;
        if (exitCode !== undefined) throw new Error(`tidemark ${args[0]} exited with ${exitCode} before logging ${pattern}:\n${out}`);
        if (Date.now() > deadline) throw new Error(`tidemark ${args[0]} did not log ${pattern} in time:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop(signal = 'SIGTERM') {
      if (exitCode === undefined) child.kill(signal);
      return exited;
    },
  };
}

/** The `http://host:port` a role logged it listens on (logged before its services start). */
export async function listeningUrl(role: RoleProcess): Promise<string> {
  const m = await role.waitForLog(/"address":"([^"]+)"[^\n]*"msg":"listening/);
  return `http://${m[1]}`;
}
