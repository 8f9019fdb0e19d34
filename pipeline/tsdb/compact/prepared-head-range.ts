import { SampleBuffer, type XorAppender } from '../chunks/index.js';
import type { ChunkData } from '../block/index.js';
import type { Head, MemSeries } from '../head/index.js';
import { headRangeSources, isLoneChunk } from './head-range-sources.js';
import { COMPACTED_SAMPLES_PER_CHUNK, encodeLongChunks } from './long-chunks.js';

/** Synchronous work between two turns of the event loop while preparing. */
const SLICE_MS = 5;

/** A series' long chunks and the head chunks they were encoded from. */
interface Prepared {
  readonly chunks: ChunkData[];
  /**
   * The open chunk in range, and its sample count and last timestamp then (appends change them;
   * its appender is reused for the next chunk once it closes, which adds a closed chunk).
   */
  readonly open: XorAppender | null;
  readonly openCount: number;
  readonly openMaxT: number;
  /** minT, maxT, encoding of each source chunk. */
  readonly meta: number[];
  /** The source chunks' bytes, one after another. */
  readonly bytes: Uint8Array;
}

/**
 * The long chunks of a head range, encoded before the range is cut into a block, in slices of
 * series with turns of the event loop between them: re-encoding is several times the cost of
 * copying the head's chunks, and the cut itself runs in one synchronous step with the head's
 * truncation. Only series whose samples in range all sit in in-order chunks that no chunk
 * boundary of the range splits are prepared (series with out-of-order samples, histograms or
 * start timestamps are encoded at the cut); the cut takes a series' prepared chunks only while
 * the same closed chunks, byte for byte, and the same open chunk with as many samples are still
 * all it holds in range, so what arrived or was deleted meanwhile is never lost.
 */
export class PreparedHeadRange {
  private readonly bySeries = new Map<MemSeries, Prepared>();

  private constructor(
    readonly mint: number,
    readonly maxt: number,
  ) {}

  /**
   * Encodes [mint, maxt) of the head's series, taking a turn (`turn()`) after each `sliceMs` of
   * work. What fits in the first slice is done before this returns, and then the result itself
   * is returned: a small head (a test's, a quiet shard's) is cut in the same synchronous step as
   * the flush that asked, as before there was any preparing.
   */
  static prepare(head: Head, mint: number, maxt: number, turn: () => Promise<void>, sliceMs = SLICE_MS): PreparedHeadRange | Promise<PreparedHeadRange> {
    const prepared = new PreparedHeadRange(mint, maxt);
    const buf = new SampleBuffer(COMPACTED_SAMPLES_PER_CHUNK);
    // Refs are not reused, so series added while preparing come after the limit read here.
    const limit = head.refLimit;
    let ref = 0;
    /** One slice (at least one series); true once every series is done. */
    const slice = (): boolean => {
      const sliceStart = performance.now();
      while (ref < limit) {
        const s = head.series(ref++);
        if (s !== undefined) prepared.prepareSeries(s, buf);
        if (performance.now() - sliceStart >= sliceMs) break;
      }
      return ref >= limit;
    };
    if (slice()) return prepared;
    return (async () => {
      do await turn();
      while (!slice());
      return prepared;
    })();
  }

  private prepareSeries(s: MemSeries, buf: SampleBuffer): void {
    const { mint, maxt } = this;
    const sources = headRangeSources(s, mint, maxt);
    if (sources === null || isLoneChunk(sources)) return;
    const meta: number[] = [];
    let length = 0;
    for (const i of sources.closed) {
      meta.push(s.chunkMinT(i), s.chunkMaxT(i), s.chunkEncoding(i));
      length += s.chunkBytes(i).length;
    }
    const bytes = new Uint8Array(length);
    let at = 0;
    for (const i of sources.closed) {
      const b = s.chunkBytes(i);
      bytes.set(b, at);
      at += b.length;
    }
    buf.clear();
    s.collect(buf, mint, maxt - 1);
    const open = sources.open ? s.app : null;
    this.bySeries.set(s, { chunks: encodeLongChunks(buf), open, openCount: open?.count ?? 0, openMaxT: open?.maxT ?? 0, meta, bytes });
  }

  /** Series prepared (for tests and stats). */
  get size(): number {
    return this.bySeries.size;
  }

  /** The series' prepared chunks for [mint, maxt), or undefined when it has none or changed since. */
  chunksOf(s: MemSeries, mint: number, maxt: number): ChunkData[] | undefined {
    if (mint !== this.mint || maxt !== this.maxt) return undefined;
    const p = this.bySeries.get(s);
    if (p === undefined) return undefined;
    const sources = headRangeSources(s, mint, maxt);
    if (sources === null || sources.closed.length * 3 !== p.meta.length) return undefined;
    if ((sources.open ? s.app : null) !== p.open || (p.open !== null && (p.open.count !== p.openCount || p.open.maxT !== p.openMaxT))) return undefined;
    let at = 0;
    for (let k = 0; k < sources.closed.length; k++) {
      const i = sources.closed[k];
      if (s.chunkMinT(i) !== p.meta[3 * k] || s.chunkMaxT(i) !== p.meta[3 * k + 1] || s.chunkEncoding(i) !== p.meta[3 * k + 2]) return undefined;
      const b = s.chunkBytes(i);
      if (at + b.length > p.bytes.length || Buffer.compare(b, p.bytes.subarray(at, at + b.length)) !== 0) return undefined;
      at += b.length;
    }
    return at === p.bytes.length ? p.chunks : undefined;
  }
}
