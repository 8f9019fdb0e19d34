import type { ByteReader, ByteWriter } from '../../tsdb/block/encoding.js';
import { decodeInto, encodeBestView, encodedSampleCount, ENCODING_DECIMAL, ENCODING_XOR, SampleBuffer } from '../../tsdb/chunks/index.js';

/**
 * The samples of a series-chunk run (frame version 5, series-dictionary-run.ts): each series'
 * samples of the run, in the order its records hold them, as TSDB chunks (pipeline/tsdb/FORMAT.md),
 * XOR or decimal, whichever is smaller, as blocks choose. A run's records hold one or a few
 * samples of each of their series, so the columns of version 4 interleave hundreds of series
 * sample by sample; gathered per series, a steady scrape costs a few bits per chunk for its
 * timestamps and the values what a block's chunks cost for them.
 *
 * Layout, per series in order of id (first use):
 *
 *   uvarint chunk count | per chunk: u8 encoding (1 = XOR, 2 = decimal) | uvarint byte length | bytes
 *
 * A chunk holds an ascending stretch of the series' samples (chunk encodings need distinct,
 * ascending timestamps): a series is cut where a record repeats or goes back in time (a resent
 * request) and at the chunk encodings' 65,535 samples. The series' sample count is what its
 * records' counts add up to; a reader checks the chunks give that many.
 */

/** Samples of one chunk at most: its header's count is a u16. */
const MAX_CHUNK_SAMPLES = 0xffff;

/** A batch record's series ids and, per series (`offsets`, ids.length + 1 entries), its samples. */
export interface SeriesSamples {
  readonly ids: readonly number[];
  readonly offsets: readonly number[];
  readonly timestamps: readonly number[];
  readonly values: readonly number[];
}

/**
 * Writes the chunks of `seriesCount` series (ids 0 to seriesCount - 1) whose samples `batches`
 * hold, in record order. `between` is awaited before each series (a run's chunks are tens of ms
 * of work, which the caller slices).
 */
export async function writeSeriesChunks(batches: readonly SeriesSamples[], seriesCount: number, out: ByteWriter, between: () => Promise<void>): Promise<void> {
  // Each series' samples side by side: counted, placed by prefix sums, then filled in record order.
  const start = new Float64Array(seriesCount + 1);
  for (const b of batches) for (let s = 0; s < b.ids.length; s++) start[b.ids[s] + 1] += b.offsets[s + 1] - b.offsets[s];
  for (let id = 0; id < seriesCount; id++) start[id + 1] += start[id];
  const at = start.slice(0, seriesCount);
  const ts = new Float64Array(start[seriesCount]);
  const vs = new Float64Array(start[seriesCount]);
  for (const b of batches) {
    for (let s = 0; s < b.ids.length; s++) {
      let p = at[b.ids[s]];
      for (let k = b.offsets[s]; k < b.offsets[s + 1]; k++, p++) {
        ts[p] = b.timestamps[k];
        vs[p] = b.values[k];
      }
      at[b.ids[s]] = p;
    }
  }
  const cuts: number[] = [];
  for (let id = 0; id < seriesCount; id++) {
    await between();
    const end = start[id + 1];
    cuts.length = 0;
    let from = start[id];
    for (let i = from + 1; i <= end; i++) {
      if (i === end || ts[i] <= ts[i - 1] || i - from === MAX_CHUNK_SAMPLES) {
        cuts.push(i);
        from = i;
      }
    }
    out.uvarint(cuts.length);
    from = start[id];
    for (const to of cuts) {
      const c = encodeBestView(ts, vs, null, from, to);
      out.byte(c.encoding);
      out.uvarint(c.bytes.length);
      out.bytes(c.bytes);
      from = to;
    }
  }
}

/**
 * Reads a series-chunk section back: each series' chunks are decoded when the series is first
 * named (ids come in order of first use, as their chunks do), and its records then take their
 * samples from it in order.
 */
export class SeriesChunkReader {
  private readonly samples = new SampleBuffer(1024);
  /** Per series id: where its next sample is in `samples`, and where its samples end. */
  private readonly next: number[] = [];
  private readonly end: number[] = [];

  constructor(private readonly chunks: ByteReader) {}

  /** Decodes the chunks of the next series (id `next.length`). */
  addSeries(): void {
    const r = this.chunks;
    const id = this.next.length;
    const buf = this.samples;
    const from = buf.length;
    const count = r.uvarint();
    for (let c = 0; c < count; c++) {
      const encoding = r.byte();
      if (encoding !== ENCODING_XOR && encoding !== ENCODING_DECIMAL) throw new Error(`${r.file}: series ${id} has a chunk of encoding ${encoding}`);
      const length = r.uvarint();
      if (r.pos + length > r.end) throw new Error(`${r.file}: a chunk of series ${id} runs past its section`);
      const bytes = r.buf.subarray(r.pos, r.pos + length);
      r.pos += length;
      buf.reserve(encodedSampleCount(bytes));
      decodeInto(encoding, bytes, buf, -Infinity, Infinity);
    }
    this.next.push(from);
    this.end.push(buf.length);
  }

  /** Where series `id`'s next `count` samples start in `timestamps`/`values` (taken: the next call gives the ones after). */
  take(id: number, count: number): number {
    const from = this.next[id];
    if (from + count > this.end[id]) throw new Error(`${this.chunks.file}: series ${id} has fewer samples in its chunks than its records hold`);
    this.next[id] = from + count;
    return from;
  }

  get timestamps(): Float64Array {
    return this.samples.t;
  }

  get values(): Float64Array {
    return this.samples.v;
  }

  /** Throws when a series' chunks hold samples no record took. */
  checkAllTaken(): void {
    for (let id = 0; id < this.next.length; id++) {
      if (this.next[id] !== this.end[id]) throw new Error(`${this.chunks.file}: series ${id} has ${this.end[id] - this.next[id]} samples in its chunks that no record holds`);
    }
  }
}
