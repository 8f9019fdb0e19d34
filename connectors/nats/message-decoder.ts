import type { MsgHdrs } from 'nats';
import { ExpositionParseError, parseExposition } from '../../schemas/exposition/index.js';
import { influxConfigSchema, LineProtocolError, parseLine, PointMapper, timestampToMs, type Precision } from '../influx/index.js';
import { decodeSampleBatch, METRIC_NAME, type HistogramValue, type Labels } from '../../schemas/index.js';
import type { NatsInputConfig } from './config.js';
import { NatsMessageError } from './errors.js';

/** What the decoder needs of a NATS message (core or JetStream). */
export interface InboundMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers?: MsgHdrs;
  /** When the message was published (JetStream) or received (core), ms. */
  readonly timeMs: number;
}

export interface DecodedSample {
  readonly labels: Labels;
  readonly t: number;
  readonly v: number;
  readonly stale: boolean;
  /** The sample's start timestamp (sample batches only; absent or 0 when unknown). */
  readonly st?: number;
  /** A native-histogram sample (sample batches only); `v` is then meaningless. */
  readonly h?: HistogramValue;
}

const LABEL_HEADER = 'tidemark-label-';
const PRECISIONS = new Set(['ns', 'us', 'ms', 's', 'm', 'h']);

/**
 * Turns one message into samples, all or nothing: exposition text (target labels from config,
 * subject tokens and headers, merged as a scrape merges them), line protocol (mapped as the
 * HTTP influx connector maps it), or Avro sample batches (taken as they are). Bad input throws
 * NatsMessageError with the reason it is dead-lettered under.
 */
export class MessageDecoder {
  private readonly influx = new PointMapper(influxConfigSchema.parse({}));

  constructor(private readonly input: NatsInputConfig) {}

  decode(msg: InboundMessage): DecodedSample[] {
    switch (this.input.format) {
      case 'sample_batch':
        return this.batch(msg);
      case 'influx':
        return this.lines(msg);
      default:
        return this.exposition(msg);
    }
  }

  /** Target labels of a message: static, then subject tokens, then headers (later ones win). */
  targetLabels(msg: InboundMessage): Record<string, string> {
    const out: Record<string, string> = { ...this.input.labels };
    const names = Object.keys(this.input.subject_labels);
    if (names.length > 0) {
      const tokens = msg.subject.split('.');
      for (const name of names) {
        const tok = tokens[this.input.subject_labels[name] - 1];
        if (tok !== undefined && tok !== '') out[name] = tok;
      }
    }
    if (this.input.header_labels && msg.headers !== undefined) {
      for (const [k, values] of msg.headers) {
        if (k.length > LABEL_HEADER.length && k.toLowerCase().startsWith(LABEL_HEADER) && values.length > 0) {
          out[k.slice(LABEL_HEADER.length).replace(/[^a-zA-Z0-9_]/g, '_')] = values[values.length - 1];
        }
      }
    }
    return out;
  }

  private exposition(msg: InboundMessage): DecodedSample[] {
    const ct = header(msg, 'content-type')?.toLowerCase() ?? '';
    const format = ct.startsWith('application/openmetrics-text') ? 'openmetrics' : 'prometheus';
    let parsed;
    try {
      parsed = parseExposition(msg.data, { format, strict: false });
    } catch (err) {
      if (err instanceof ExpositionParseError) throw new NatsMessageError(err.message, 'parse_error', msg.subject, { cause: err });
      throw err;
    }
    const target = this.targetLabels(msg);
    return parsed.samples.map((s) => ({ labels: this.merge(s.labels, target), t: s.timestamp ?? msg.timeMs, v: s.value, stale: false }));
  }

  private lines(msg: InboundMessage): DecodedSample[] {
    const hp = header(msg, 'precision');
    const precision = (hp !== undefined && PRECISIONS.has(hp) ? hp : this.input.influx_precision) as Precision;
    const target = this.targetLabels(msg);
    const out: DecodedSample[] = [];
    const text = Buffer.from(msg.data).toString('utf8');
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (line === '' || line.startsWith('#')) continue;
      try {
        const p = parseLine(line, i + 1);
        const t = p.timestamp === undefined ? msg.timeMs : timestampToMs(p.timestamp, precision);
        if (t === undefined) throw new NatsMessageError(`line ${i + 1}: timestamp ${p.timestamp} out of range`, 'invalid_timestamp', msg.subject);
        this.influx.map(p, null, (labels, v) => out.push({ labels: this.merge(labels, target), t, v, stale: false }));
      } catch (err) {
        if (err instanceof LineProtocolError) throw new NatsMessageError(err.message, 'invalid_line', msg.subject, { cause: err });
        throw err;
      }
    }
    return out;
  }

  private batch(msg: InboundMessage): DecodedSample[] {
    let decoded;
    try {
      decoded = decodeSampleBatch(Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength));
    } catch (err) {
      throw new NatsMessageError(`undecodable sample batch: ${(err as Error).message}`, 'undecodable_batch', msg.subject, { cause: err });
    }
    const out: DecodedSample[] = [];
    for (const s of decoded.series) {
      const stale = s.stale.length === 0 ? undefined : new Set(s.stale);
      const starts = s.startTimestamps;
      for (let i = 0; i < s.timestamps.length; i++) {
        const st = starts === undefined ? 0 : starts[i];
        const sample: DecodedSample = { labels: s.labels, t: s.timestamps[i], v: s.values[i], stale: stale?.has(i) ?? false };
        out.push(st === 0 ? sample : { ...sample, st });
      }
      const h = s.histograms;
      if (h !== undefined) {
        for (let i = 0; i < h.timestamps.length; i++) {
          const st = h.startTimestamps?.[i] ?? 0;
          out.push({ labels: s.labels, t: h.timestamps[i], v: Number.NaN, stale: false, h: h.histograms[i], ...(st === 0 ? {} : { st }) });
        }
      }
    }
    return out;
  }

  /** A scrape's label merge: target labels win unless honor_labels (clashing exposed ones become exported_*). */
  private merge(exposed: Labels, target: Readonly<Record<string, string>>): Labels {
    const out: Record<string, string> = {};
    const honor = this.input.honor_labels;
    for (const k in exposed) {
      const v = exposed[k];
      if (v === '') continue;
      if (!honor && k !== METRIC_NAME && k in target) out[`exported_${k}`] = v;
      else out[k] = v;
    }
    for (const k in target) {
      if (target[k] === '') continue;
      if (!honor || !(k in out)) out[k] = target[k];
    }
    return out;
  }
}

function header(msg: InboundMessage, name: string): string | undefined {
  if (msg.headers === undefined) return undefined;
  for (const [k, v] of msg.headers) if (k.toLowerCase() === name && v.length > 0) return v[v.length - 1];
  return undefined;
}
