import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../harness/services.js';

/** utime + stime of a process, in seconds (/proc/<pid>/stat, USER_HZ 100). */
async function procCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Samples per CPU-second that a fresh VictoriaMetrics spends on `/api/v1/write` (its whole
 * ingest, storage included): the `warm` requests first (registering the series, as a receiver
 * that has been running has), then the `measured` ones, which hold `samples` samples. Returns a
 * message instead when VictoriaMetrics does not start.
 */
export async function victoriaMetricsWriteRate(warm: readonly Buffer[], measured: readonly Buffer[], samples: number): Promise<number | string> {
  const dir = await mkdtemp(join(tmpdir(), 'tidemark-bench-vm-'));
  const port = await freePort();
  const child = spawn('/usr/bin/victoria-metrics', [`-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${dir}`, '-retentionPeriod=100y', '-loggerLevel=ERROR'], {
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      if (i > 100) return 'VictoriaMetrics did not start';
      try {
        if ((await fetch(`${base}/health`)).ok) break;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const post = (body: Buffer) =>
      fetch(`${base}/api/v1/write`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
        body,
      }).then(async (r) => {
        if (r.status !== 204) throw new Error(`VictoriaMetrics answered ${r.status}: ${await r.text()}`);
      });
    for (const b of warm) await post(b);
    const pid = child.pid as number;
    const before = await procCpuSeconds(pid);
    for (const b of measured) await post(b);
    // VictoriaMetrics ingests asynchronously: let it finish the pending rows before reading its CPU.
    await new Promise((r) => setTimeout(r, 1_500));
    return samples / ((await procCpuSeconds(pid)) - before);
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await rm(dir, { recursive: true, force: true });
  }
}
