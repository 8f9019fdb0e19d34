import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free TCP port on 127.0.0.1 (picked by the OS, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Bytes of all regular files under `dir`. */
export function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) n += dirBytes(p);
    else if (e.isFile()) n += statSync(p).size;
  }
  return n;
}

/** VmRSS of a process in bytes, from /proc/<pid>/status. */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? Number.NaN : Number(m[1]) * 1024;
}

/** The process and its descendants (a peer may run behind a guard process), from /proc. */
function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      for (const tid of readdirSync(`/proc/${out[i]}/task`)) {
        const kids = readFileSync(`/proc/${out[i]}/task/${tid}/children`, 'utf8').trim();
        if (kids !== '') out.push(...kids.split(' ').map(Number));
      }
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** User + system CPU milliseconds of a process tree so far (Linux /proc, 10 ms resolution). */
export function cpuMs(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      // Fields after the parenthesised command name: utime is the 14th field, stime the 15th.
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // exited meanwhile
    }
  }
  return (ticks * 1000) / 100;
}

/** A peer binary started for a benchmark: its output kept for error messages, stopped with SIGTERM. */
export class PeerProcess {
  private current: ChildProcess;
  private output = '';
  private exited = false;

  constructor(
    readonly name: string,
    private readonly bin: string,
    private readonly args: readonly string[],
    readonly dir: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.current = this.spawn();
  }

  private spawn(): ChildProcess {
    const child = spawn(this.bin, this.args, { stdio: ['ignore', 'pipe', 'pipe'], env: this.env });
    const keep = (b: Buffer): void => {
      this.output = (this.output + b.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = false;
    child.once('exit', () => {
      if (this.current === child) this.exited = true;
    });
    return child;
  }

  /** The running process (another one after `restart`). */
  get child(): ChildProcess {
    return this.current;
  }

  get pid(): number {
    return this.current.pid ?? -1;
  }

  get log(): string {
    return this.output;
  }

  /**
   * Stops the process gracefully (SIGTERM) and starts the same command on the same directory,
   * until `readyUrl` answers 2xx; returns the milliseconds from the new start until ready.
   */
  async restart(readyUrl: string, timeoutMs = 600_000): Promise<number> {
    await this.terminate();
    this.current = this.spawn();
    const t0 = performance.now();
    await this.waitReady(readyUrl, timeoutMs);
    return performance.now() - t0;
  }

  /** SIGTERM, then SIGKILL after 10 s; resolves once the process exited. */
  private async terminate(): Promise<void> {
    if (this.exited) return;
    const child = this.current;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  }

  /** Polls `url` until it answers 2xx (or fails after `timeoutMs`). */
  async waitReady(url: string, timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (this.exited) throw new Error(`${this.name} exited during startup: ${this.output}`);
      try {
        const res = await fetch(url);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${this.name} not ready after ${timeoutMs} ms: ${this.output}`);
  }

  /** Stops the process (SIGTERM, then SIGKILL after 10 s) and removes its directory. */
  async stop(): Promise<void> {
    await this.terminate();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs a command to completion; rejects with its output on a non-zero exit. */
export async function run(bin: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out = (out + b.toString()).slice(-8000)));
    child.stderr.on('data', (b: Buffer) => (out = (out + b.toString()).slice(-8000)));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${bin} exited with ${code}: ${out}`))));
  });
}
