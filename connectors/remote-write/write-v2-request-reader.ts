import { isValidLabelName, isValidMetricName } from '../../schemas/labels.js';
import { STALE_NAN_BITS_HI, STALE_NAN_BITS_LO } from '../../schemas/sample.js';
import { LimitExceededError } from '../http-edge/index.js';
import { DecodedWriteRequest, type DecodedExemplar, type SeriesProblem } from './decoded-write-request.js';
import { WriteRequestDecodeError } from './errors.js';
import { readHistogramMessage } from './histogram-message-reader.js';
import type { NameValidationScheme } from './write-request-reader.js';

/** io.prometheus.write.v2 Metadata.MetricType, named as Prometheus' model names the types. */
const METRIC_TYPES = ['unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset'];

const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const FIXED32 = 5;

/**
 * A reader for remote_write 2.0's `io.prometheus.write.v2.Request` (Request{4: symbols,
 * 5: timeseries}; TimeSeries{1: labels_refs packed, 2: samples, 3: histograms, 4: exemplars,
 * 5: metadata, 6: created_timestamp}; Sample{1: value, 2: timestamp, 3: start_timestamp};
 * Exemplar{1: labels_refs, 2: value, 3: timestamp}; Metadata{1: type, 3: help_ref, 4: unit_ref}),
 * into the same request-wide columns as the 1.0 reader: every string is looked up in the request's symbol table.
 * A float sample's start timestamp is its own `start_timestamp`, else the series'
 * `created_timestamp` (the field of earlier 2.0 drafts); 0 is unknown. Histogram{...} as
 * histogram-message-reader.ts reads it (their start timestamps are not read yet).
 */
export class WriteV2RequestReader {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;

  constructor(private readonly scheme: NameValidationScheme = 'legacy') {}

  read(buf: Buffer, maxSeries = 0): DecodedWriteRequest {
    this.buf = buf;
    this.pos = 0;
    const symbols: string[] = [];
    const raw: Array<{ start: number; end: number }> = [];
    // Symbols may follow the series on the wire: collect both, then resolve.
    while (this.pos < buf.length) {
      const tag = this.varint();
      const field = tag >>> 3;
      if (field === 4 && (tag & 7) === LEN) {
        const end = this.lenEnd(buf.length, 'symbol');
        symbols.push(buf.toString('utf8', this.pos, end));
        this.pos = end;
      } else if (field === 5 && (tag & 7) === LEN) {
        const end = this.lenEnd(buf.length, 'timeseries');
        if (maxSeries > 0 && raw.length >= maxSeries) {
          throw new LimitExceededError(`request has more than ${maxSeries} series, the limit`, 'series_limit', maxSeries, raw.length + 1);
        }
        raw.push({ start: this.pos, end });
        this.pos = end;
      } else {
        this.skip(tag, buf.length);
      }
    }
    if (raw.length > 0 && symbols[0] !== '') throw new WriteRequestDecodeError('symbols[0] must be the empty string', 0);
    const out = new DecodedWriteRequest(buf.length);
    for (const r of raw) {
      this.pos = r.start;
      this.timeSeries(r.end, symbols, out);
    }
    return out;
  }

  /** Appends the TimeSeries at the current position to `out`. */
  private timeSeries(end: number, symbols: string[], out: DecodedWriteRequest): void {
    const index = out.seriesCount; // what addSeries will number it
    const from = out.samples;
    let refs: number[] = [];
    let meta: { type: string; help: string; unit: string } | undefined;
    let created = 0;
    while (this.pos < end) {
      const tag = this.varint();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field === 1 && wire === LEN) {
        const stop = this.lenEnd(end, 'labels_refs');
        while (this.pos < stop) refs.push(this.varint());
      } else if (field === 1 && wire === VARINT) {
        refs.push(this.varint());
      } else if (field === 2 && wire === LEN) {
        this.sample(out, this.lenEnd(end, 'sample'));
      } else if (field === 3 && wire === LEN) {
        const stop = this.lenEnd(end, 'histogram');
        out.addHistogram(index, readHistogramMessage(this.buf, this.pos, stop));
        this.pos = stop;
      } else if (field === 4 && wire === LEN) {
        out.addExemplar(index, this.exemplar(this.lenEnd(end, 'exemplar'), symbols));
      } else if (field === 5 && wire === LEN) {
        meta = this.metadata(this.lenEnd(end, 'metadata'), symbols);
      } else if (field === 6 && wire === VARINT) {
        created = this.int64();
      } else {
        this.skip(tag, end);
      }
    }
    if (created !== 0) {
      for (let i = from; i < out.samples; i++) if ((out.startTimestamps?.[i] ?? 0) === 0) out.setStartTimestamp(i, created);
    }
    const labels = this.labelsOf(refs, symbols);
    out.addSeries(labels.labels, labels.invalid);
    refs = [];
    const name = labels.labels.__name__;
    if (meta !== undefined && name !== undefined && (meta.type !== 'unknown' || meta.help !== '' || meta.unit !== '')) out.metadata.push({ metric: name, ...meta });
  }

  private labelsOf(refs: readonly number[], symbols: readonly string[]): { labels: Record<string, string>; invalid: SeriesProblem | undefined } {
    const labels: Record<string, string> = {};
    let invalid: SeriesProblem | undefined;
    if (refs.length % 2 !== 0) throw new WriteRequestDecodeError(`labels_refs has an odd length (${refs.length})`, this.pos);
    let prev = '';
    for (let i = 0; i < refs.length; i += 2) {
      const name = this.symbol(symbols, refs[i]);
      const value = this.symbol(symbols, refs[i + 1]);
      if (invalid === undefined) {
        if (name === '') invalid = { message: 'empty label name' };
        else if (name in labels) invalid = { message: `duplicate label name "${name}"`, label: name };
        else if (i > 0 && name < prev) invalid = { message: `labels not sorted: "${name}" after "${prev}"`, label: name };
        else if (this.scheme === 'legacy' && !isValidLabelName(name)) invalid = { message: `invalid label name "${name}"`, label: name };
        else if (name === '__name__' && this.scheme === 'legacy' && !isValidMetricName(value)) invalid = { message: `invalid metric name "${value}"`, label: name };
      }
      prev = name;
      if (value !== '') labels[name] = value;
    }
    if (invalid === undefined && (labels.__name__ ?? '') === '') invalid = { message: 'series has no metric name (__name__)', label: '__name__' };
    return { labels, invalid };
  }

  private symbol(symbols: readonly string[], ref: number): string {
    const s = symbols[ref];
    if (s === undefined) throw new WriteRequestDecodeError(`symbol reference ${ref} out of range (${symbols.length} symbols)`, this.pos);
    return s;
  }

  private sample(out: DecodedWriteRequest, end: number): void {
    let value = 0;
    let ts = 0;
    let start = 0;
    let stale = false;
    while (this.pos < end) {
      const tag = this.varint();
      const field = tag >>> 3;
      if (field === 1 && (tag & 7) === FIXED64) {
        if (this.pos + 8 > end) throw new WriteRequestDecodeError('sample value truncated', this.pos);
        value = this.buf.readDoubleLE(this.pos);
        if (value !== value) stale = this.buf.readUInt32LE(this.pos + 4) === STALE_NAN_BITS_HI && this.buf.readUInt32LE(this.pos) === STALE_NAN_BITS_LO;
        this.pos += 8;
      } else if (field === 2 && (tag & 7) === VARINT) {
        ts = this.int64();
      } else if (field === 3 && (tag & 7) === VARINT) {
        start = this.int64();
      } else {
        this.skip(tag, end);
      }
    }
    out.addSample(ts, value, stale);
    if (start !== 0) out.setStartTimestamp(out.samples - 1, start);
  }

  private exemplar(end: number, symbols: readonly string[]): DecodedExemplar {
    const refs: number[] = [];
    let value = 0;
    let timestampMs = 0;
    while (this.pos < end) {
      const tag = this.varint();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field === 1 && wire === LEN) {
        const stop = this.lenEnd(end, 'exemplar labels_refs');
        while (this.pos < stop) refs.push(this.varint());
      } else if (field === 1 && wire === VARINT) {
        refs.push(this.varint());
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
    if (refs.length % 2 !== 0) throw new WriteRequestDecodeError(`exemplar labels_refs has an odd length (${refs.length})`, this.pos);
    const labels: Record<string, string> = {};
    for (let i = 0; i < refs.length; i += 2) {
      const v = this.symbol(symbols, refs[i + 1]);
      if (v !== '') labels[this.symbol(symbols, refs[i])] = v;
    }
    return { labels, value, timestampMs };
  }

  private metadata(end: number, symbols: readonly string[]): { type: string; help: string; unit: string } {
    let type = 'unknown';
    let help = '';
    let unit = '';
    while (this.pos < end) {
      const tag = this.varint();
      const field = tag >>> 3;
      if (field === 1 && (tag & 7) === VARINT) type = METRIC_TYPES[this.varint()] ?? 'unknown';
      else if (field === 3 && (tag & 7) === VARINT) help = this.symbol(symbols, this.varint());
      else if (field === 4 && (tag & 7) === VARINT) unit = this.symbol(symbols, this.varint());
      else this.skip(tag, end);
    }
    return { type, help, unit };
  }

  private lenEnd(limit: number, what: string): number {
    const len = this.varint();
    const end = this.pos + len;
    if (end > limit) throw new WriteRequestDecodeError(`${what} length ${len} runs past the end of its message`, this.pos);
    return end;
  }

  private varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.buf.length) throw new WriteRequestDecodeError('varint truncated', this.pos);
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
      if (shift > 63) throw new WriteRequestDecodeError('varint too long', this.pos);
    }
  }

  /** An int64 varint (two's complement for negatives) as a JS number. */
  private int64(): number {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw new WriteRequestDecodeError('varint truncated', this.pos);
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return Number(BigInt.asIntN(64, result));
      shift += 7n;
      if (shift > 63n) throw new WriteRequestDecodeError('varint too long', this.pos);
    }
  }

  private skip(tag: number, end: number): void {
    const wire = tag & 7;
    if (tag >>> 3 === 0) throw new WriteRequestDecodeError('invalid field number 0', this.pos);
    if (wire === VARINT) this.varint();
    else if (wire === FIXED64) this.pos += 8;
    else if (wire === LEN) this.pos = this.lenEnd(end, 'field');
    else if (wire === FIXED32) this.pos += 4;
    else throw new WriteRequestDecodeError(`unsupported wire type ${wire}`, this.pos);
    if (this.pos > end) throw new WriteRequestDecodeError('field runs past the end of its message', this.pos);
  }
}
