// Spawns store-crash-child.ts and SIGKILLs it at a random moment (shared by the crash suites).
import { spawn } from 'node:child_process';
import { watch, type FSWatcher } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CrashChildArgs } from './store-crash-child.js';

const here = dirname(fileURLToPath(import.meta.url));
const child = join(here, 'store-crash-child.ts');

export interface CrashRun {
  /** Whether the child reported "ready" before it was killed. */
  readonly wasReady: boolean;
  /** Milliseconds from the spawn to "ready" (null when it was killed before). */
  readonly readyAfterMs: number | null;
  /** Steps the child reported acknowledged ("ack <n>"). */
  readonly acked: number[];
}

/** A child that has not become ready this long after its spawn is stuck: the run fails with its stderr. */
const READY_DEADLINE_MS = 120_000;

/** Kill as soon as an entry whose name matches `name` appears anywhere under `dir` (watched from "ready" on). */
export interface KillOnEntry {
  readonly dir: string;
  readonly name: RegExp;
}

/**
 * Runs the child and kills it with SIGKILL: `afterReadyMs` after it reported ready, or, when
 * `sinceSpawnMs` is given, that long after the spawn whatever it is doing (joining, opening
 * shards, replaying), or, with `onEntry`, the moment the child creates or renames a matching file
 * (this process is told by inotify while the child may still be writing). Resolves once the
 * process is gone.
 */
export function runAndKill(args: CrashChildArgs, when: { afterReadyMs: number } | { sinceSpawnMs: number } | { onEntry: KillOnEntry }): Promise<CrashRun> {
  return new Promise((resolve, reject) => {
    const spawnedAt = Date.now();
    const proc = spawn(process.execPath, ['--import', 'tsx', child, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: number[] = [];
    let wasReady = false;
    let readyAfterMs: number | null = null;
    let stuck = false;
    const deadline = setTimeout(() => {
      stuck = true;
      proc.kill('SIGKILL');
    }, READY_DEADLINE_MS);
    let buf = '';
    let stderr = '';
    let timer: NodeJS.Timeout | null = null;
    let watcher: FSWatcher | null = null;
    const kill = (ms: number) => {
      timer ??= setTimeout(() => proc.kill('SIGKILL'), ms);
    };
    if ('sinceSpawnMs' in when) kill(when.sinceSpawnMs);
    proc.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    proc.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const line of lines) {
        if (line === 'ready') {
          wasReady = true;
          readyAfterMs = Date.now() - spawnedAt;
          clearTimeout(deadline);
          if ('afterReadyMs' in when) kill(when.afterReadyMs);
          if ('onEntry' in when) {
            const { dir, name } = when.onEntry;
            watcher = watch(dir, { recursive: true }, (_event, file) => {
              if (file !== null && name.test(file)) proc.kill('SIGKILL');
            });
            // Node 20's recursive watch on Linux scans each new directory, and emits ENOENT when the
            // child renamed it first (a checkpoint's .tmp directory): a deletion race, not a failure
            // (upstream treats it so since nodejs/node#63686). Anything else fails the run.
            watcher.on('error', (err: NodeJS.ErrnoException) => {
              if (err.code === 'ENOENT') return;
              proc.kill('SIGKILL');
              reject(new Error(`watching ${dir} for ${String(name)}: ${err.message}`, { cause: err }));
            });
          }
        }
        const m = /^ack (\d+)$/.exec(line);
        if (m) acked.push(Number(m[1]));
      }
    });
    // 'close', not 'exit': 'exit' can come before the last "ack" lines are read from the pipe,
    // and a missed acknowledgement would make the next run produce an acknowledged step again.
    proc.on('close', (code, signal) => {
      if (timer !== null) clearTimeout(timer);
      watcher?.close();
      clearTimeout(deadline);
      if (stuck) reject(new Error(`store crash child not ready ${READY_DEADLINE_MS} ms after its spawn: ${stderr}`));
      else if (signal === 'SIGKILL') resolve({ wasReady, readyAfterMs, acked });
      else reject(new Error(`store crash child exited with ${code ?? signal} before it was killed: ${stderr}`));
    });
  });
}
