import { decodeAlertEvent, REPLAYED_HEADER } from '../../pipeline/alert/rules/index.js';
import type { Bus, BusRecord, StartPosition } from '../../pipeline/bus/bus.js';
import { RecordDecodeError, decodeDeadLetter, decodeSamplesTopicRecord, formatLabels } from '../../schemas/index.js';

/** Renders one bus record as text lines a person can read: one line per sample, deletion, producer watermark, alert state change or dead letter. */
export function renderRecord(record: BusRecord): string[] {
  const head = `# ${record.topic}/${record.partition}@${record.offset} ${new Date(record.timestampMs).toISOString()}`;
  try {
    const decoded = decodeSamplesTopicRecord(record.value);
    if (decoded.kind === 'deletion') {
      const d = decoded.deletion;
      const selectors = d.selectors.map((sel) => `{${sel.map((m) => `${m.name}${m.type}${JSON.stringify(m.value)}`).join(',')}}`);
      return [`${head} series deletion: ${selectors.join(' or ')} from ${d.startMs} to ${d.endMs}`];
    }
    if (decoded.kind === 'watermark') {
      const w = decoded.watermark;
      return [`${head} producer watermark: ${w.producer} (${w.source}) promises nothing older than ${w.watermarkMs}${w.idle ? `, idle (follows its clock - ${w.lagMs} ms)` : ''}`];
    }
    const { batch } = decoded;
    const lines = [`${head} sample batch: ${batch.series.length} series${batch.source ? ` from ${batch.source}` : ''}`];
    for (const s of batch.series) {
      const name = formatLabels(s.labels);
      const stale = new Set(s.stale);
      for (let i = 0; i < s.timestamps.length; i++) {
        lines.push(`${name} ${stale.has(i) ? 'stale' : formatValue(s.values[i])} ${s.timestamps[i]}`);
      }
      const h = s.histograms;
      // Prometheus' printed form ({count:3, sum:4.5, (0.5,1]:1, ...}), with the counter reset hint when it says something.
      for (let i = 0; i < (h?.timestamps.length ?? 0); i++) {
        const v = h!.histograms[i];
        lines.push(`${name} ${v.toString()}${v.counterResetHint === 'unknown' ? '' : ` (${v.counterResetHint})`} ${h!.timestamps[i]}`);
      }
    }
    return lines;
  } catch (err) {
    if (!(err instanceof RecordDecodeError) || !/unknown writer schema/.test(err.message)) {
      return [`${head} undecodable (${(err as Error).message}): ${record.value.length} bytes`];
    }
  }
  try {
    const e = decodeAlertEvent(record.value);
    const replayed = record.headers[REPLAYED_HEADER];
    return [
      `${head} alert state change: ${formatLabels(e.labels)} ${e.previous} -> ${e.state} at ${new Date(e.at).toISOString()} ` +
        `(group ${e.group}, value ${formatValue(e.value)})${replayed === undefined ? '' : `, replayed by ${replayed.toString()}`}`,
    ];
  } catch {
    // Not an alert event: a dead letter, or undecodable.
  }
  try {
    const d = decodeDeadLetter(record.value);
    return [
      `${head} dead letter from ${d.topic}/${d.partition}@${d.offset} (group ${d.group}): ${d.reason}; ${d.originalValue.length} bytes`,
    ];
  } catch (err) {
    return [`${head} undecodable (${(err as Error).message}): ${record.value.length} bytes`];
  }
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export interface TailOptions {
  readonly topic: string;
  readonly from: StartPosition;
  /** Stop after this many records (for scripts and tests); undefined follows forever. */
  readonly limit?: number;
  /** Stop once every partition is read up to the end it had when tail started. */
  readonly untilEnd?: boolean;
  readonly signal: AbortSignal;
}

/** Prints records of a topic until the signal aborts or `limit` records were printed. */
export async function tailTopic(bus: Bus, opts: TailOptions, out: (line: string) => void): Promise<number> {
  let printed = 0;
  const group = `tidemark-tail-${process.pid}-${Date.now()}`;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  // A fresh group placed first, so no record before the start position is ever handed over.
  if (opts.from !== 'earliest') await bus.resetGroup(group, opts.topic, opts.from);
  const remaining = new Map<number, number>();
  if (opts.untilEnd === true) {
    for (const o of await bus.offsets(opts.topic)) if (o.high > o.low) remaining.set(o.partition, o.high);
  }
  const reachedEnd = () => opts.untilEnd === true && remaining.size === 0;
  const consumer = await bus.consume(
    { group, topic: opts.topic, fromBeginning: true },
    async (batch) => {
      for (const r of batch.records) {
        if (opts.limit !== undefined && printed >= opts.limit) break;
        const end = remaining.get(r.partition);
        if (opts.untilEnd === true && (end === undefined || r.offset >= end)) continue;
        for (const line of renderRecord(r)) out(line);
        printed++;
        if (end !== undefined && r.offset + 1 >= end) remaining.delete(r.partition);
      }
      if ((opts.limit !== undefined && printed >= opts.limit) || reachedEnd()) done();
    },
  );
  opts.signal.addEventListener('abort', () => done(), { once: true });
  if (opts.signal.aborted || reachedEnd()) done();
  await finished;
  await consumer.stop();
  return printed;
}

/** Parses `--from`: earliest, latest, an offset, or an RFC 3339 time / unix milliseconds prefixed with `@`. */
export function parseStartPosition(text: string): StartPosition {
  if (text === 'earliest' || text === 'latest') return text;
  if (/^\d+$/.test(text)) return { offset: Number(text) };
  if (text.startsWith('@')) {
    const t = /^\d+$/.test(text.slice(1)) ? Number(text.slice(1)) : Date.parse(text.slice(1));
    if (Number.isFinite(t)) return { timestampMs: t };
  }
  throw new RangeError(`--from: expected earliest, latest, an offset or @TIME, got ${JSON.stringify(text)}`);
}
