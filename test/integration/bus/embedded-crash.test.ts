import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { watch } from 'node:fs';
import { mkdtemp, open, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedBus } from '../../../pipeline/bus/embedded/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const srcDir = join(root, 'pipeline', 'bus', 'embedded');
const distDir = join(root, 'dist', 'pipeline', 'bus', 'embedded');
const child = join(here, 'embedded-crash-child.mjs');

/** The child runs plain node on dist/; build it when it is missing or older than the sources. */
async function ensureBuilt(): Promise<void> {
  const newest = async (dir: string, ext: string) => {
    let t = 0;
    for (const n of await readdir(dir).catch(() => [] as string[])) {
      if (n.endsWith(ext) && !n.endsWith('.test.ts')) t = Math.max(t, (await stat(join(dir, n))).mtimeMs);
    }
    return t;
  };
  const src = Math.max(await newest(srcDir, '.ts'), (await stat(join(root, 'pipeline', 'bus', 'bus.ts'))).mtimeMs);
  const built = await newest(distDir, '.js');
  if (built >= src) return;
  // tsc emits even when files outside this area have type errors; the check below is what counts.
  spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'ignore' });
  if ((await newest(distDir, '.js')) < src) throw new Error('building dist/ for the crash child failed');
}

interface Ack {
  readonly partition: number;
  readonly offset: number;
}

/**
 * Records every `ack <partition> <offset> <id>` line the child prints into `acks`, and tells
 * `onAck` how many it has read so far after each chunk of output.
 */
function readAcks(proc: ChildProcess, acks: Map<string, Ack>, onAck: (seen: number) => void = () => undefined): void {
  let buf = '';
  let seen = 0;
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const line of lines) {
      const m = /^ack (\d+) (\d+) (\S+)$/.exec(line);
      if (!m) continue;
      acks.set(m[3], { partition: Number(m[1]), offset: Number(m[2]) });
      seen++;
    }
    onAck(seen);
  });
}

/** Runs the child until it has acknowledged at least `minAcks` records plus a random moment, then SIGKILLs it. */
function runAndKill(dataDir: string, topic: string, run: string, minAcks: number, acks: Map<string, Ack>): Promise<void> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, dataDir, topic, run], { stdio: ['ignore', 'pipe', 'pipe'] });
    let killing = false;
    let stderr = '';
    proc.stderr.on('data', (d) => (stderr += d));
    readAcks(proc, acks, (seen) => {
      if (!killing && seen >= minAcks) {
        killing = true;
        setTimeout(() => proc.kill('SIGKILL'), Math.random() * 60);
      }
    });
    proc.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`crash child exited with ${code ?? signal} before it was killed: ${stderr}`));
    });
  });
}

/**
 * Runs the child and SIGKILLs it at the `events`-th change the file system reports of a compacted
 * copy (`*.compact.tmp`): its creation, its writes, its rename over the segment, so the kill lands
 * inside a segment's rewrite, at a different step each time.
 */
function killInCompaction(dataDir: string, topic: string, run: string, events: number, acks: Map<string, Ack>): Promise<void> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, dataDir, topic, run], { stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = 0;
    let stderr = '';
    const watcher = watch(join(dataDir, 'topics', topic), { recursive: true }, (_event, name) => {
      if (name === null || !name.endsWith('.compact.tmp') || ++seen !== events) return;
      proc.kill('SIGKILL');
    });
    const giveUp = setTimeout(() => proc.kill('SIGTERM'), 60_000);
    proc.stderr.on('data', (d) => (stderr += d));
    readAcks(proc, acks);
    proc.on('exit', (code, signal) => {
      watcher.close();
      clearTimeout(giveUp);
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`crash child ended with ${code ?? signal} before a compaction could be interrupted (${seen} events): ${stderr}`));
    });
  });
}

/** Whether a segment file starts with a run frame (version byte 3 after the frame prefix): compaction rewrote it. */
async function isCompacted(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(9);
    await fh.read(head, 0, 9, 0);
    return head[8] === 3;
  } finally {
    await fh.close();
  }
}

describe('embedded bus under kill -9', () => {
  let dataDir: string;
  beforeAll(async () => {
    await ensureBuilt();
    dataDir = await mkdtemp(join(tmpdir(), 'tidemark-crash-'));
  }, 180_000);
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged record exactly once across repeated SIGKILLs, and reopens cleanly', async () => {
    const topic = 'crash';
    const acks = new Map<string, Ack>();
    const kills = 6;
    for (let run = 0; run < kills; run++) {
      await runAndKill(dataDir, topic, `r${run}`, 200 + Math.floor(Math.random() * 800), acks);
    }
    expect(acks.size).toBeGreaterThan(kills * 200);

    const warnings: string[] = [];
    const logger = { info: () => undefined, warn: (_o: object, m: string) => void warnings.push(m), error: (_o: object, m: string) => void warnings.push(m) };
    const bus = await EmbeddedBus.open({ dataDir, logger, config: { segment_bytes: 64 * 1024 } });
    await expectEveryAckOnce(bus, topic, acks);
    const offsets = await bus.offsets(topic);
    await bus.close();

    // A second open finds nothing to repair: the first one left a clean log.
    warnings.length = 0;
    const again = await EmbeddedBus.open({ dataDir, logger, config: { segment_bytes: 64 * 1024 } });
    expect(warnings).toEqual([]);
    expect(await again.offsets(topic)).toEqual(offsets);
    await again.close();
  }, 180_000);

  it('keeps every acknowledged record exactly once when killed inside the rewrite of a sealed segment', async () => {
    const topic = 'crash-compaction';
    const acks = new Map<string, Ack>();
    await runAndKill(dataDir, topic, 'c-start', 200, acks);
    for (let run = 0; run < 6; run++) await killInCompaction(dataDir, topic, `c${run}`, 1 + (run % 3), acks);

    const warnings: string[] = [];
    const logger = { info: () => undefined, warn: (_o: object, m: string) => void warnings.push(m), error: (_o: object, m: string) => void warnings.push(m) };
    const bus = await EmbeddedBus.open({ dataDir, logger, config: { segment_bytes: 64 * 1024 } });
    await expectEveryAckOnce(bus, topic, acks);
    // What the kills left uncompacted is compacted now, and reads the same.
    await bus.compactSealedSegments();
    await expectEveryAckOnce(bus, topic, acks);
    await bus.close();
    expect(warnings.filter((w) => !w.includes('truncating torn'))).toEqual([]);
    const files = (await readdir(join(dataDir, 'topics', topic, '0'))).filter((n) => n.endsWith('.log'));
    const compacted = await Promise.all(files.map((f) => isCompacted(join(dataDir, 'topics', topic, '0', f))));
    expect(compacted.filter(Boolean).length).toBeGreaterThan(0);
  }, 240_000);
});

/** Reads every partition from its start: no gaps, and each acknowledged record once, where it was acknowledged. */
async function expectEveryAckOnce(bus: EmbeddedBus, topic: string, acks: ReadonlyMap<string, Ack>): Promise<void> {
  const found = new Map<string, Ack[]>();
  for (const log of bus.partitionLogs(topic)) {
    let at = log.low;
    expect(at).toBe(0);
    while (at < log.high) {
      const { records, next } = await log.read(at, 1 << 20);
      for (const r of records) {
        expect(r.offset).toBe(at++); // no gaps
        const id = r.value.toString().split('|')[0];
        found.set(id, [...(found.get(id) ?? []), { partition: r.partition, offset: r.offset }]);
      }
      at = next;
    }
  }
  for (const [id, ack] of acks) expect(found.get(id), id).toEqual([ack]);
  for (const [id, where] of found) expect(where.length, id).toBe(1);
}
