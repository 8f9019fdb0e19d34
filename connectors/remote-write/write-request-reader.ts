import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { compareStrings, isValidMetricName, setLabel } from '../../schemas/labels.js';
import type { MetricMetadataEntry } from '../../schemas/metric-metadata-codec.js';
import { STALE_NAN_BITS_HI, STALE_NAN_BITS_LO } from '../../schemas/sample.js';
import { LimitExceededError, type GrowingBody, type SeriesLimits } from '../http-edge/index.js';
import { DecodedWriteRequest, type DecodedExemplar, type SeriesProblem } from './decoded-write-request.js';
import { WriteRequestDecodeError } from './errors.js';
import { readHistogramMessage } from './histogram-message-reader.js';
import { SeriesLabelsCache } from './series-labels-cache.js';
import { LABEL_NAME_LEGACY_VALID, LABEL_UTF8_VALID, LabelCache } from './label-cache.js';

/** How label and metric names are validated: Prometheus' classic rules, or any UTF-8 (Prometheus 3). */
export type NameValidationScheme = 'legacy' | 'utf8';

/** prompb MetricMetadata.MetricType, lowercased as Prometheus' model names the types. */
const METRIC_TYPES = ['unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset'];

/** Bytes of a WriteRequest decoded between two yields to the event loop (a millisecond or two of work). */
export const READ_SLICE_BYTES = 2 ** 20;

/** Longest tag, length prefix and fixed-size value of a field: two 10-byte varints. */
const MAX_FIELD_HEAD = 20;

/** The series being read: its labels and their first problem (one object, reused series after series). */
interface SeriesInProgress {
  labels: Record<string, string>;
  invalid: SeriesProblem | undefined;
}

/** Placeholder labels a series holds until it gets its own (never written to: frozen). */
const NO_LABELS: Record<string, string> = Object.freeze({}) as Record<string, string>;

// Wire types of the protobuf encoding.
const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const FIXED32 = 5;

/**
 * A hand-written reader for `prometheus.WriteRequest` (prompb/remote.proto, types.proto): it
 * walks the bytes once and appends each series' labels and samples to the request's columns
 * (decoded-write-request.ts) directly, with no intermediate message objects (protobufjs decodes
 * the same request ~5x slower). Label strings are interned, since a request repeats the same
 * names and values many times.
 *
 * Field numbers: WriteRequest{1: timeseries, 3: metadata}; TimeSeries{1: labels, 2: samples,
 * 3: exemplars, 4: histograms}; Label{1: name, 2: value}; Sample{1: value double, 2: timestamp
 * int64}; Histogram as histogram-message-reader.ts reads it. Unknown fields are skipped as protobuf requires. Malformed bytes throw
 * WriteRequestDecodeError with the byte offset; label rule violations are reported per series.
 */
export class WriteRequestReader {
  private buf: Buffer = Buffer.alloc(0);
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  private pos = 0;
  private readonly current: SeriesInProgress = { labels: NO_LABELS, invalid: undefined };
  private readonly labels = new LabelCache();
  private readonly seriesCache: SeriesLabelsCache;

  /**
   * With `labelLimits` (the edge's), a series whose labels keep the rules is also checked against
   * its label limits, once per label set the series cache holds: the verdict is cached with the
   * labels, so a request of known series costs no per-series lookup or check.
   */
  constructor(
    private readonly scheme: NameValidationScheme = 'legacy',
    seriesCacheSlots?: number,
    private readonly labelLimits?: SeriesLimits,
  ) {
    this.seriesCache = new SeriesLabelsCache(seriesCacheSlots);
  }

  /**
   * `maxSeries` (0 = unbounded) stops decoding as soon as the request holds more series: a small
   * compressed body can expand to millions of them, and decoding them all first would block the
   * process for seconds and hold gigabytes.
   */
  read(buf: Buffer, maxSeries = 0): DecodedWriteRequest {
    const acc = this.begin(buf, buf.length);
    const end = buf.length;
    while (this.pos < end) this.field(acc, end, maxSeries);
    return acc;
  }

  /**
   * `read` for a body of any size: a large one is decoded in slices of `sliceBytes` with a yield
   * to the event loop between them, so decoding it does not stall the process. Other reads may
   * run during a yield: the reader's position is saved and restored around it.
   */
  readInSlices(buf: Buffer, maxSeries = 0, sliceBytes = READ_SLICE_BYTES): Promise<DecodedWriteRequest> {
    if (buf.length <= sliceBytes) return Promise.resolve(this.read(buf, maxSeries));
    return this.readGrowing({ bytes: buf, length: buf.length, available: buf.length, more: () => Promise.resolve() }, maxSeries, sliceBytes);
  }

  /**
   * `readInSlices` of a body that is still being decompressed: each top-level field is read once
   * the bytes it spans are decoded, and the rest is never decoded when the series limit stops the
   * read early (so a body that expands to millions of series is refused after its first few MB).
   */
  async readGrowing(body: GrowingBody, maxSeries = 0, sliceBytes = READ_SLICE_BYTES): Promise<DecodedWriteRequest> {
    const end = body.length;
    // Counted before any series is built: refusing a body of millions of series after building
    // the first `maxSeries` of them would leave that many objects for the garbage collector,
    // whose pauses then stall the process as long as the decoding did.
    if (maxSeries > 0) await this.countSeries(body, maxSeries, sliceBytes);
    const acc = this.begin(body.bytes, end);
    let nextYield = sliceBytes;
    while (this.pos < end) {
      if (body.available < end) {
        let need = this.fieldEnd(end, body.available);
        while (need > body.available && body.available < end) {
          await this.paused(body, () => body.more());
          need = this.fieldEnd(end, body.available);
          nextYield = this.pos + sliceBytes; // more() yielded
        }
      }
      if (this.pos >= nextYield) {
        await this.paused(body, () => yieldToLoop());
        nextYield = this.pos + sliceBytes;
      }
      this.field(acc, end, maxSeries);
    }
    return acc;
  }

  /** Walks the top-level fields without decoding them; throws the series limit error past `maxSeries` series. */
  private async countSeries(body: GrowingBody, maxSeries: number, sliceBytes: number): Promise<void> {
    this.begin(body.bytes, 0);
    const end = body.length;
    let series = 0;
    let nextYield = sliceBytes;
    while (this.pos < end) {
      while (body.available < end && this.fieldEnd(end, body.available) > body.available) {
        await this.paused(body, () => body.more());
        nextYield = this.pos + sliceBytes;
      }
      if (this.pos >= nextYield) {
        await this.paused(body, () => yieldToLoop());
        nextYield = this.pos + sliceBytes;
      }
      const tag = this.varint32();
      const field = tag >>> 3;
      if ((field === 1 || field === 3) && (tag & 7) === LEN) {
        if (field === 1 && ++series > maxSeries) {
          throw new LimitExceededError(`request has more than ${maxSeries} series, the limit`, 'series_limit', maxSeries, series);
        }
        this.pos = this.bounded(this.varint32(), end, field === 1 ? 'timeseries' : 'metadata');
      } else {
        this.skip(tag, end);
      }
    }
  }

  /**
   * Awaits `wait` with the reader's state saved: other reads may run meanwhile. The body's bytes
   * are taken again afterwards, as a growing body may have moved to a longer buffer.
   */
  private async paused(body: GrowingBody, wait: () => Promise<unknown>): Promise<void> {
    const { pos } = this;
    try {
      await wait();
    } finally {
      const buf = body.bytes;
      Object.assign(this, { buf, view: new DataView(buf.buffer, buf.byteOffset, buf.length), pos });
    }
  }

  /**
   * Where the top-level field at the current position ends, as far as the first `available`
   * bytes tell: its end for a length-delimited field, else enough bytes for any header and
   * fixed-size value (the position is left where it was).
   */
  private fieldEnd(end: number, available: number): number {
    const header = Math.min(end, this.pos + MAX_FIELD_HEAD);
    if (available < header) return header;
    const at = this.pos;
    try {
      const tag = this.varint32();
      if ((tag & 7) !== LEN) return header;
      const len = this.varint32();
      return Math.min(end, Math.max(header, this.pos + len));
    } finally {
      this.pos = at;
    }
  }

  /** `bytes`: the request's decoded size (sizes its columns). */
  private begin(buf: Buffer, bytes: number): DecodedWriteRequest {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.length);
    this.pos = 0;
    const acc = new DecodedWriteRequest(bytes);
    acc.labelLimitsChecked = this.labelLimits !== undefined;
    return acc;
  }

  /** Decodes one top-level field of the WriteRequest at the current position. */
  private field(acc: DecodedWriteRequest, end: number, maxSeries: number): void {
    const tag = this.varint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 && wire === LEN) {
      const len = this.varint32();
      const stop = this.bounded(len, end, 'timeseries');
      const count = acc.seriesCount;
      if (maxSeries > 0 && count >= maxSeries) {
        throw new LimitExceededError(`request has more than ${maxSeries} series, the limit`, 'series_limit', maxSeries, count + 1);
      }
      const s = this.current;
      s.labels = NO_LABELS;
      s.invalid = undefined;
      this.timeSeries(acc, s, stop);
      acc.addSeries(s.labels, s.invalid);
      s.labels = NO_LABELS; // not kept past the request
      this.pos = stop;
    } else if (field === 3 && wire === LEN) {
      const len = this.varint32();
      const stop = this.bounded(len, end, 'metadata');
      const m = this.metricMetadata(stop);
      if (m.metric !== '') acc.metadata.push(m);
      this.pos = stop;
    } else {
      this.skip(tag, end);
    }
  }

  /** MetricMetadata{1: type enum, 2: metric_family_name, 4: help, 5: unit}. */
  private metricMetadata(end: number): MetricMetadataEntry {
    let type = 'unknown';
    let metric = '';
    let help = '';
    let unit = '';
    while (this.pos < end) {
      const tag = this.varint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field === 1 && wire === VARINT) {
        type = METRIC_TYPES[this.varint32()] ?? 'unknown';
      } else if ((field === 2 || field === 4 || field === 5) && wire === LEN) {
        const len = this.varint32();
        const stop = this.bounded(len, end, 'metadata field');
        const text = this.buf.toString('utf8', this.pos, stop);
        this.pos = stop;
        if (field === 2) metric = text;
        else if (field === 4) help = text;
        else unit = text;
      } else {
        this.skip(tag, end);
      }
    }
    return { metric, type, help, unit };
  }

  /** Reads a TimeSeries' labels into `s` and its samples, exemplars and histograms into `acc`. */
  private timeSeries(acc: DecodedWriteRequest, s: SeriesInProgress, end: number): void {
    const index = acc.seriesCount; // what addSeries will number it
    let prevName = '';
    let seenLabel = false;
    // Senders put the labels first: look the whole label block up in the series cache.
    const labelsStart = this.pos;
    const labelsEnd = this.labelBlockEnd(end);
    let cached = false;
    if (labelsEnd > labelsStart) {
      const hit = this.seriesCache.get(this.view, labelsStart, labelsEnd);
      if (hit !== undefined) {
        s.labels = hit;
        s.invalid = this.seriesCache.invalidOfLast();
        // A limit's message names the series by its index in the request: this one's.
        if (s.invalid?.limit !== undefined) s.invalid = this.overLabelLimits(s.labels, index);
        this.pos = labelsEnd;
        cached = true;
        seenLabel = true;
      }
    }
    let extended = false;
    while (this.pos < end) {
      const tag = this.varint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (wire !== LEN) {
        this.skip(tag, end);
        continue;
      }
      const len = this.varint32();
      const stop = this.bounded(len, end, 'timeseries field');
      if (field === 1) {
        if (cached) {
          // A label after the samples: leave the shared object alone and check everything again.
          if (!extended) {
            s.labels = { ...s.labels };
            prevName = '';
            for (const n of Object.keys(s.labels).sort(compareStrings)) prevName = n;
          }
          extended = true;
        }
        if (s.labels === NO_LABELS) s.labels = {};
        this.label(s, stop, prevName, seenLabel);
        seenLabel = true;
        prevName = this.lastName;
      } else if (field === 2) {
        this.sample(acc, stop);
      } else if (field === 3) {
        acc.addExemplar(index, this.exemplar(stop));
      } else if (field === 4) {
        acc.addHistogram(index, readHistogramMessage(this.buf, this.pos, stop));
      } else if (field === 0) {
        throw new WriteRequestDecodeError('invalid field number 0', this.pos);
      }
      this.pos = stop;
    }
    if (s.labels === NO_LABELS) s.labels = {};
    if (!cached || extended) {
      if (s.invalid === undefined) {
        const name = s.labels.__name__;
        if (name === undefined) {
          s.invalid = { message: seenLabel ? 'series has no metric name (__name__)' : 'series has no labels', label: '__name__' };
        } else if (this.scheme === 'legacy' && !isValidMetricName(name)) {
          s.invalid = { message: `invalid metric name ${JSON.stringify(name)}`, label: '__name__' };
        }
      }
      if (s.invalid === undefined) s.invalid = this.overLabelLimits(s.labels, index);
      if (!cached && labelsEnd > labelsStart) this.seriesCache.store(this.buf, labelsStart, labelsEnd, s.labels, s.invalid);
    }
  }

  /** The first of the edge's label limits that `labels` pass (none without `labelLimits`). */
  private overLabelLimits(labels: Record<string, string>, index: number): SeriesProblem | undefined {
    if (this.labelLimits === undefined) return undefined;
    try {
      this.labelLimits.checkLabels(labels, `series ${index}`);
      return undefined;
    } catch (err) {
      if (!(err instanceof LimitExceededError)) throw err;
      return { message: err.message, label: err.location.label, limit: err.reason };
    }
  }

  /** End of the run of Label fields (tag 0x0a) starting at the current position; the position is unchanged. */
  private labelBlockEnd(end: number): number {
    const buf = this.buf;
    let p = this.pos;
    while (p < end && buf[p] === 0x0a) {
      let len = 0;
      let shift = 0;
      let b: number;
      p++;
      do {
        b = buf[p++];
        len |= (b & 0x7f) << shift;
        shift += 7;
      } while (b >= 0x80 && shift < 35);
      if (b >= 0x80 || b === undefined || len < 0 || p + len > end) return this.pos; // let the slow path report it
      p += len;
    }
    return p;
  }

  private lastName = '';

  private label(s: SeriesInProgress, stop: number, prevName: string, seenLabel: boolean): void {
    const cache = this.labels;
    const slot = cache.lookup(this.buf, this.pos, stop);
    const name = slot >= 0 ? cache.names[slot] : cache.name;
    const value = slot >= 0 ? cache.values[slot] : cache.value;
    if (s.invalid === undefined) {
      const problem = this.checkLabel(name, prevName, seenLabel, slot >= 0 ? cache.flags[slot] : cache.flagsUncached);
      if (problem !== undefined) s.invalid = problem;
    }
    this.lastName = name;
    if (value !== '') setLabel(s.labels, name, value); // an empty value is the same as no label
  }

  private checkLabel(name: string, prevName: string, seenOne: boolean, flags: number): SeriesProblem | undefined {
    if ((flags & LABEL_UTF8_VALID) === 0) return { message: `label "${name}" is not valid UTF-8`, label: name };
    if (name === '') return { message: 'empty label name' };
    if (seenOne) {
      const c = compareStrings(prevName, name);
      if (c === 0) return { message: `duplicate label name "${name}"`, label: name };
      if (c > 0) return { message: `labels not sorted: "${name}" after "${prevName}"`, label: name };
    }
    if (this.scheme === 'legacy' && (flags & LABEL_NAME_LEGACY_VALID) === 0) {
      return { message: `invalid label name ${JSON.stringify(name)}`, label: name };
    }
    return undefined;
  }

  private exemplar(end: number): DecodedExemplar {
    const labels: Record<string, string> = {};
    let value = 0;
    let timestampMs = 0;
    while (this.pos < end) {
      const tag = this.varint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field === 1 && wire === LEN) {
        const stop = this.bounded(this.varint32(), end, 'exemplar label');
        let name = '';
        let v = '';
        while (this.pos < stop) {
          const t = this.varint32();
          if ((t & 7) !== LEN) {
            this.skip(t, stop);
            continue;
          }
          const fieldStop = this.bounded(this.varint32(), stop, 'exemplar label field');
          const text = this.buf.toString('utf8', this.pos, fieldStop);
          this.pos = fieldStop;
          if (t >>> 3 === 1) name = text;
          else if (t >>> 3 === 2) v = text;
        }
        if (name !== '' && v !== '') labels[name] = v;
      } else if (field === 2 && wire === FIXED64) {
        if (this.pos + 8 > end) throw new WriteRequestDecodeError('exemplar value truncated', this.pos);
        value = this.buf.readDoubleLE(this.pos);
        this.pos += 8;
      } else if (field === 3 && wire === VARINT) {
        timestampMs = this.int64();
      } else {
        this.skip(tag, end);
      }
    }
    return { labels, value, timestampMs };
  }

  private sample(acc: DecodedWriteRequest, end: number): void {
    const buf = this.buf;
    let value = 0;
    let ts = 0;
    let stale = false;
    while (this.pos < end) {
      const tag = buf[this.pos++];
      if (tag === 0x09) {
        // field 1, fixed64: the double, checked for the staleness bit pattern before it becomes
        // a JS number (NaN payloads are not preserved by arithmetic or by every engine path).
        if (this.pos + 8 > end) throw new WriteRequestDecodeError('sample value truncated', this.pos);
        value = buf.readDoubleLE(this.pos);
        if (value !== value) {
          stale = buf.readUInt32LE(this.pos + 4) === STALE_NAN_BITS_HI && buf.readUInt32LE(this.pos) === STALE_NAN_BITS_LO;
        }
        this.pos += 8;
      } else if (tag === 0x10) {
        ts = this.int64();
      } else {
        this.pos--;
        this.skip(this.varint32(), end);
      }
    }
    if (this.pos > end) throw new WriteRequestDecodeError('sample truncated', end);
    acc.addSample(ts, value, stale);
  }

  private bounded(len: number, end: number, what: string): number {
    const stop = this.pos + len;
    if (stop > end) throw new WriteRequestDecodeError(`${what} of ${len} bytes runs past its enclosing message`, this.pos);
    return stop;
  }

  private varint32(): number {
    const buf = this.buf;
    let b = buf[this.pos++];
    if (b < 0x80) return b;
    let r = b & 0x7f;
    b = buf[this.pos++];
    r |= (b & 0x7f) << 7;
    if (b < 0x80) return r;
    b = buf[this.pos++];
    r |= (b & 0x7f) << 14;
    if (b < 0x80) return r;
    b = buf[this.pos++];
    r |= (b & 0x7f) << 21;
    if (b < 0x80) return r;
    b = buf[this.pos++];
    r += (b & 0x0f) * 2 ** 28;
    if (b < 0x80) return r;
    // Lengths and tags never need more than 32 bits; a longer varint is corrupt input.
    for (let i = 0; i < 5; i++) if (buf[this.pos++] < 0x80) return r;
    throw new WriteRequestDecodeError(b === undefined ? 'truncated varint' : 'varint too long', this.pos);
  }

  /** A two's complement int64 varint as a JS number (exact up to 2^53). */
  private int64(): number {
    const buf = this.buf;
    let lo = 0;
    let b = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      b = buf[this.pos++];
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) return lo;
    }
    b = buf[this.pos++];
    lo = (lo | ((b & 0x0f) << 28)) >>> 0;
    let hi = (b & 0x7f) >> 4;
    if (b < 0x80) return hi * 4294967296 + lo;
    for (let shift = 3; shift < 32; shift += 7) {
      b = buf[this.pos++];
      if (b === undefined) throw new WriteRequestDecodeError('truncated varint', this.pos);
      hi |= (b & 0x7f) << shift;
      if (b < 0x80) break;
    }
    if (b >= 0x80) throw new WriteRequestDecodeError('varint too long', this.pos);
    if (hi & 0x80000000) {
      // negative: -(~x + 1)
      const nlo = (~lo >>> 0) + 1;
      const nhi = ~hi >>> 0;
      return -(nhi * 4294967296 + nlo);
    }
    return hi * 4294967296 + lo;
  }

  /** Skips the value of an unknown field; field number 0 is never valid (all zero bytes are not a message). */
  private skip(tag: number, end: number): void {
    if (tag >>> 3 === 0) throw new WriteRequestDecodeError('invalid field number 0', this.pos);
    const wire = tag & 7;
    switch (wire) {
      case VARINT:
        while (this.buf[this.pos++] >= 0x80) if (this.pos >= end) break;
        break;
      case FIXED64:
        this.pos += 8;
        break;
      case LEN: {
        const len = this.varint32();
        this.pos = this.bounded(len, end, 'field');
        break;
      }
      case FIXED32:
        this.pos += 4;
        break;
      default:
        throw new WriteRequestDecodeError(`unsupported wire type ${wire}`, this.pos);
    }
    if (this.pos > end) throw new WriteRequestDecodeError('field runs past its enclosing message', end);
  }
}
