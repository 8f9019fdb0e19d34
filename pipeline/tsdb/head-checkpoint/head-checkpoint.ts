import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Block, fsyncDir, type ChunkData } from '../block/index.js';
import { ENCODING_DECIMAL, ENCODING_XOR, encodedSampleCount, SampleBuffer } from '../chunks/index.js';
import { persistHeadRange } from '../compact/index.js';
import { CorruptionError } from '../errors.js';
import type { Head } from '../head/index.js';
import type { LabelMatcher } from '../querier.js';

/** Directory name of a checkpoint: the prefix and an 8-digit sequence number. */
const PREFIX = 'head-checkpoint.';
const NAME = /^head-checkpoint\.(\d{8})$/;
const META_FILE = 'checkpoint.json';

/** `checkpoint.json` of a head checkpoint (FORMAT.md, "Head checkpoint"). */
interface CheckpointDoc {
  readonly version: 1;
  /** The caller's position the head state covers (the store: the next bus offset to apply). */
  readonly position: number;
  /** Newest timestamp ever appended to the head (null: none). */
  readonly maxT: number | null;
  /** Id of the block (inside the checkpoint directory) holding the head's samples; null when the head was empty. */
  readonly block: string | null;
  /** Level-1 ids of every raw block of the TSDB when the checkpoint was written. */
  readonly sources: readonly string[];
}

/** A checkpoint found on open. */
export interface HeadCheckpoint {
  readonly dir: string;
  readonly position: number;
  readonly maxT: number | null;
  readonly block: string | null;
  readonly sources: ReadonlySet<string>;
}

/**
 * Writes the head as a checkpoint of `tsdbDir`: `head-checkpoint.<seq>.tmp/` gets the head's
 * samples as one block (the block layout) and `checkpoint.json`, every file fsynced; the directory
 * is then renamed to `head-checkpoint.<seq>` and the TSDB directory fsynced, and older checkpoints
 * are deleted. Synchronous: no append interleaves, so the checkpoint is the head as of one moment.
 * Returns the checkpoint's directory.
 */
export function writeHeadCheckpoint(tsdbDir: string, head: Head, position: number, sources: Iterable<string>): string {
  if (!Number.isSafeInteger(position) || position < 0) throw new RangeError(`head checkpoint position must be a non-negative integer, got ${position}`);
  const existing = listCheckpoints(tsdbDir);
  const seq = existing.length > 0 ? existing[existing.length - 1].seq + 1 : 1;
  const name = PREFIX + String(seq).padStart(8, '0');
  const tmp = join(tsdbDir, `${name}.tmp`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  const min = head.minTime();
  let block: string | null = null;
  if (Number.isFinite(min)) block = persistHeadRange(head, tmp, min, head.maxT + 1).ulid;
  const doc: CheckpointDoc = { version: 1, position, maxT: Number.isFinite(head.maxT) ? head.maxT : null, block, sources: [...sources] };
  const fd = openSync(join(tmp, META_FILE), 'w');
  try {
    const bytes = Buffer.from(JSON.stringify(doc));
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  fsyncDir(tmp);
  const final = join(tsdbDir, name);
  renameSync(tmp, final);
  fsyncDir(tsdbDir);
  for (const c of existing) rmSync(join(tsdbDir, c.name), { recursive: true, force: true });
  return final;
}

/**
 * The newest complete checkpoint of `tsdbDir`, or null. Older ones (a crash came before their
 * deletion) and unfinished `.tmp` ones are deleted.
 */
export function readHeadCheckpoint(tsdbDir: string): HeadCheckpoint | null {
  for (const f of readdirSync(tsdbDir)) if (f.startsWith(PREFIX) && f.endsWith('.tmp')) rmSync(join(tsdbDir, f), { recursive: true, force: true });
  const all = listCheckpoints(tsdbDir);
  if (all.length === 0) return null;
  const newest = all[all.length - 1];
  for (const c of all.slice(0, -1)) rmSync(join(tsdbDir, c.name), { recursive: true, force: true });
  const dir = join(tsdbDir, newest.name);
  const file = join(dir, META_FILE);
  let doc: Partial<CheckpointDoc>;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as Partial<CheckpointDoc>;
  } catch (err) {
    throw new CorruptionError(file, 0, `head checkpoint metadata unreadable: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (doc.version !== 1 || !Number.isSafeInteger(doc.position) || !Array.isArray(doc.sources) || (doc.block !== null && typeof doc.block !== 'string')) {
    throw new CorruptionError(file, 0, 'unexpected head checkpoint metadata');
  }
  return { dir, position: doc.position!, maxT: doc.maxT ?? null, block: doc.block ?? null, sources: new Set(doc.sources) };
}

/** Deletes every checkpoint of `tsdbDir` (its head is kept another way from now on). */
export function removeHeadCheckpoints(tsdbDir: string): void {
  for (const c of listCheckpoints(tsdbDir)) rmSync(join(tsdbDir, c.name), { recursive: true, force: true });
}

/** Whether `name` (an entry of a TSDB directory) belongs to a head checkpoint. */
export function isHeadCheckpointEntry(name: string): boolean {
  return name.startsWith(PREFIX);
}

/**
 * Puts a checkpoint's samples back into `head` (series by labels; floats, histograms and start
 * timestamps as the head's write-ahead-log replay takes them), reporting each to `head.log` when
 * one is set (a TSDB with a log makes them durable there). Then drops what `newBlocks` hold:
 * blocks cut after the checkpoint was written (a crash came before the next one), whose samples
 * the head had already given up. Returns the samples restored.
 */
export function restoreHeadCheckpoint(head: Head, checkpoint: HeadCheckpoint, newBlocks: readonly Block[]): number {
  let restored = 0;
  if (checkpoint.block !== null) {
    const block = Block.open(join(checkpoint.dir, checkpoint.block));
    try {
      const buf = new SampleBuffer(256);
      const log = head.log;
      for (let id = 0; id < block.series.length; id++) {
        const ref = head.ref(block.series[id].labels);
        const fast = log === null ? restoreChunks(head, ref, block.seriesChunks(id), buf) : -1;
        if (fast >= 0) {
          restored += fast;
          continue;
        }
        buf.clear();
        block.collect(id, buf, -Infinity, Infinity);
        const c = buf.columns();
        const hs = c.histograms;
        const sts = c.startTimestamps;
        for (let i = 0; i < c.timestamps.length; i++) {
          const t = c.timestamps[i];
          const h = hs?.[i];
          if (h !== undefined && h !== null) {
            head.restoreHistogramRef(ref, t, h);
            log?.histogram(ref, t, h);
          } else {
            const stale = c.stale !== null && c.stale[i] === 1;
            head.restoreRef(ref, t, c.values[i], stale);
            log?.sample(ref, t, c.values[i], stale);
          }
          if (sts !== undefined && sts[i] !== 0) {
            head.restoreStartTimestamp(ref, t, sts[i]);
            log?.startTimestamp?.(ref, t, sts[i]);
          }
          restored++;
        }
      }
    } finally {
      block.release();
    }
  }
  if (checkpoint.maxT !== null && checkpoint.maxT > head.maxT) head.maxT = checkpoint.maxT;
  dropHeldByBlocks(head, newBlocks);
  return restored;
}

/**
 * The fast path of a restore: a series of in-order float chunks (XOR or decimal, each within one
 * chunk range, the first at or after `minValidTime`) into a series without samples takes its
 * chunks as they are, and only the newest chunk's samples are appended again (they become the
 * open chunk). Returns the samples restored, or -1, with nothing done, for any other series.
 */
function restoreChunks(head: Head, ref: number, chunks: readonly ChunkData[], buf: SampleBuffer): number {
  const s = head.series(ref);
  const r = head.chunkRange;
  if (s === undefined || !s.empty || chunks.length === 0 || chunks[0].minT < head.minValidTime) return -1;
  for (const c of chunks) {
    if ((c.encoding !== ENCODING_XOR && c.encoding !== ENCODING_DECIMAL) || Math.floor(c.minT / r) !== Math.floor(c.maxT / r)) return -1;
  }
  let closed = 0;
  for (let i = 0; i < chunks.length - 1; i++) {
    const c = chunks[i];
    s.restoreClosedChunk(c.encoding!, c.bytes, c.minT, c.maxT);
    closed += encodedSampleCount(c.bytes);
  }
  const last = chunks[chunks.length - 1];
  buf.clear();
  buf.pushEncoded(last.encoding!, last.bytes, -Infinity, Infinity);
  for (let i = 0; i < buf.length; i++) head.restoreRef(ref, buf.t[i], buf.v[i], buf.s[i] === 1);
  return closed + buf.length;
}

/**
 * Removes from the head the samples `blocks` hold. A level-1 block is a cut of the head, which
 * drops every sample before its end when it writes it (Tsdb cutHead, cutBackfill): the head is
 * truncated there. Any other block (compaction output) is looked up series by series.
 */
function dropHeldByBlocks(head: Head, blocks: readonly Block[]): void {
  let cutEnd = -Infinity;
  for (const b of blocks) if (b.meta.compaction.level === 1 && b.maxTime > cutEnd) cutEnd = b.maxTime;
  if (Number.isFinite(cutEnd)) head.truncate(cutEnd);
  const buf = new SampleBuffer(64);
  for (const b of blocks) {
    if (b.meta.compaction.level === 1) continue;
    const doomed: { ref: number; at: Set<number> }[] = [];
    head.forEachSeries((s) => {
      const matchers: LabelMatcher[] = [];
      for (const name in s.labels) matchers.push({ name, type: '=', value: s.labels[name] });
      for (const id of b.select(matchers)) {
        if (Object.keys(b.series[id].labels).length !== s.labelCount) continue;
        buf.clear();
        b.collect(id, buf, b.minTime, b.maxTime - 1);
        const c = buf.columns();
        if (c.timestamps.length > 0) doomed.push({ ref: s.ref, at: new Set(c.timestamps) });
      }
    });
    for (const d of doomed) head.series(d.ref)?.rewrite((t) => d.at.has(t), head.chunkRange);
  }
}

function listCheckpoints(tsdbDir: string): { name: string; seq: number }[] {
  const out: { name: string; seq: number }[] = [];
  for (const f of readdirSync(tsdbDir)) {
    const m = NAME.exec(f);
    if (m) out.push({ name: f, seq: Number(m[1]) });
  }
  return out.sort((a, b) => a.seq - b.seq);
}
