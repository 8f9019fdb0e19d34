import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI (the test command builds before running the suite). */
export const CLI = fileURLToPath(new URL('../../dist/ops/cli/main.js', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `tidemark ARGS` to completion, with optional standard input. */
export function runCli(args: readonly string[], opts: { cwd?: string; stdin?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.stdin ?? '');
  });
}

export interface RunningCli {
  readonly child: ChildProcess;
  /** `http://host:port` of the role's listener. */
  readonly url: string;
  readonly output: () => string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts a long-running role on a random port and resolves once it logged that it started. */
export function startCli(args: readonly string[], opts: { cwd?: string; cli?: string } = {}): Promise<RunningCli> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [opts.cli ?? CLI, ...args, '--listen', '127.0.0.1:0'], {
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /"address":"([^"]+)".*"msg":"\w+ started"/.exec(out);
      if (m) {
        resolve({
          child,
          url: `http://${m[1]}`,
          output: () => out,
          stop: async (signal = 'SIGTERM') => {
            child.kill(signal);
            return exited;
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    void exited.then((code) => reject(new Error(`tidemark ${args.join(' ')} exited with ${code} before starting:\n${out}`)));
  });
}

/**
 * Polls `probe` until it returns something other than undefined (no fixed sleeps in assertions).
 * The default bound is generous: the roles share a loaded 2-core machine with the rest of the suite.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The result of an instant query at a running Tidemark (`url`), each series as `S`; an answer other than 2xx is an error naming the query. */
export async function instantQuery<S>(url: string, q: string): Promise<S[]> {
  const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { data: { result: S[] } };
  if (!res.ok) throw new Error(`query ${q} answered ${res.status}: ${JSON.stringify(body)}`);
  return body.data.result;
}

/** The result of an instant query once it has a series. */
export async function someSeries<S>(url: string, q: string): Promise<S[]> {
  return waitFor(async () => {
    const r = await instantQuery<S>(url, q);
    return r.length > 0 ? r : undefined;
  });
}
