import { join } from 'node:path';
import type { Labels } from '../../../schemas/labels.js';
import { Block } from '../block/index.js';
import { ENCODING_DECIMAL, ENCODING_XOR, SampleBuffer } from '../chunks/index.js';
import { CorruptionError } from '../errors.js';
import type { Head } from '../head/index.js';
import type { LabelMatcher } from '../querier.js';
import { CHUNKS_FILE_KIND, OPEN_FILE_KIND, SERIES_FILE_KIND, type HeadCheckpoint, type RecordFileKind } from './checkpoint-manifest.js';
import { readRecordFile } from './record-file.js';
import { RestoreChunkTable } from './restore-chunk-table.js';

/**
 * Puts a checkpoint's samples back into `head` (series by labels; floats, histograms and start
 * timestamps as the head's write-ahead-log replay takes them), reporting each to `head.log` when
 * one is set (a TSDB with a log makes them durable there). A series' samples come from the chunk
 * files (closed chunks ending before the checkpoint's `minValidTime` had left the head when it
 * was written, and are skipped) and the open file. Then drops what `newBlocks` hold: blocks cut after
 * the checkpoint was written (a crash came before the next one), whose samples the head had
 * already given up. Returns the samples restored.
 */
export function restoreHeadCheckpoint(head: Head, checkpoint: HeadCheckpoint, newBlocks: readonly Block[]): number {
  let restored = 0;
  let block: Block | null = null;
  try {
    const table = new RestoreChunkTable();
    // A version-1 checkpoint's block series by head ref (read through the block when not restored as chunks).
    const blockIds = new Map<number, number[]>();
    if (checkpoint.block !== null) {
      block = Block.open(join(checkpoint.dir, checkpoint.block));
      for (let id = 0; id < block.series.length; id++) {
        const ref = head.ref(block.series[id].labels);
        const ids = blockIds.get(ref);
        if (ids === undefined) blockIds.set(ref, [id]);
        else ids.push(id);
        const from = table.count;
        for (const c of block.seriesChunks(id)) table.push(table.addBuffer(c.bytes), 0, c.bytes.length, c.encoding ?? ENCODING_XOR, c.minT, c.maxT);
        table.attach(ref, from);
      }
    }
    // Series by the ref they had when written, and by the head's ref now.
    const labelsByRef = new Map<number, Labels>();
    const refs = new Map<number, number>();
    for (const f of checkpoint.series) {
      readRecordFile(join(checkpoint.dir, f), SERIES_FILE_KIND, (r) => {
        const ref = r.uvarint();
        const labels: Record<string, string> = {};
        for (let n = r.uvarint(); n > 0; n--) labels[r.str()] = r.str();
        labelsByRef.set(ref, labels);
      });
    }
    // Chunks ending before the checkpoint's minValidTime had left the head when it was written.
    const from = checkpoint.minValidTime;
    const read = (name: string, kind: RecordFileKind) => {
      const file = join(checkpoint.dir, name);
      let frame: Buffer | null = null;
      let frameNo = -1;
      readRecordFile(file, kind, (r) => {
        if (r.buf !== frame) {
          frame = r.buf;
          frameNo = table.addBuffer(frame);
        }
        const at = r.pos;
        const named = r.uvarint();
        const first = table.count;
        for (let n = r.uvarint(); n > 0; n--) {
          const encoding = r.byte();
          const minT = r.varint();
          const maxT = minT + r.uvarint();
          const len = r.uvarint();
          if (r.pos + len > r.end) throw new CorruptionError(file, r.pos, 'truncated chunk');
          if (kind === OPEN_FILE_KIND || maxT >= from) table.push(frameNo, r.pos, len, encoding, minT, maxT);
          r.pos += len;
        }
        if (table.count === first) return;
        let ref = refs.get(named);
        if (ref === undefined) {
          const labels = labelsByRef.get(named);
          if (labels === undefined) throw new CorruptionError(file, at, `chunks of series ${named}, which no series file names`);
          ref = head.ref(labels);
          refs.set(named, ref);
        }
        table.attach(ref, first);
      });
    };
    for (const p of checkpoint.chunks) if (p.maxT >= from) read(p.file, CHUNKS_FILE_KIND);
    if (checkpoint.open !== null) read(checkpoint.open, OPEN_FILE_KIND);

    const buf = new SampleBuffer(256);
    const log = head.log;
    const restoreSeries = (ref: number) => {
      const fast = log === null ? restoreChunks(head, ref, table, buf) : -1;
      if (fast >= 0) {
        restored += fast;
        return;
      }
      buf.clear();
      const ids = blockIds.get(ref);
      if (ids !== undefined) for (const id of ids) block!.collect(id, buf, -Infinity, Infinity);
      else for (let i = table.first(ref); i >= 0; i = table.next(i)) buf.pushEncoded(table.encoding(i), table.bytes(i), -Infinity, Infinity);
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
    };
    for (const ref of table.refs) restoreSeries(ref);
  } finally {
    block?.release();
  }
  if (checkpoint.maxT !== null && checkpoint.maxT > head.maxT) head.maxT = checkpoint.maxT;
  dropHeldByBlocks(head, newBlocks);
  return restored;
}

/**
 * The fast path of a restore: a series whose chunks, over all its files, are in-order float
 * chunks (XOR or decimal, each within one chunk range, each after the one before, the first at
 * or after `minValidTime`), going into a series without samples, takes its chunks as they are
 * (the arena copies them straight from the buffers read), and only the newest chunk's samples are
 * appended again (they become the open chunk). Returns the samples restored, or -1, with nothing
 * done, for any other series.
 */
function restoreChunks(head: Head, ref: number, t: RestoreChunkTable, buf: SampleBuffer): number {
  const s = head.series(ref);
  const r = head.chunkRange;
  const first = t.first(ref);
  if (s === undefined || !s.empty || first < 0 || t.minT(first) < head.minValidTime) return -1;
  let prevMaxT = -Infinity;
  let last = first;
  for (let i = first; i >= 0; i = t.next(i)) {
    const e = t.encoding(i);
    const minT = t.minT(i);
    const maxT = t.maxT(i);
    if ((e !== ENCODING_XOR && e !== ENCODING_DECIMAL) || Math.floor(minT / r) !== Math.floor(maxT / r) || minT <= prevMaxT) return -1;
    prevMaxT = maxT;
    last = i;
  }
  let closed = 0;
  for (let i = first; i !== last; i = t.next(i)) {
    s.restoreClosedChunk(t.encoding(i), t.source(i), t.offset(i), t.length(i), t.minT(i), t.maxT(i));
    closed += t.sampleCount(i);
  }
  buf.clear();
  buf.pushEncoded(t.encoding(last), t.bytes(last), -Infinity, Infinity);
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
