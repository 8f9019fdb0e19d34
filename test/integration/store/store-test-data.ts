// Deterministic sample data for the store suites, what a store must read back, and polling.
import type { Bus } from '../../../pipeline/bus/bus.js';
import type { EmbeddedBus } from '../../../pipeline/bus/embedded/index.js';
import type { StoreWorker } from '../../../pipeline/store/index.js';
import type { Queryable } from '../../../pipeline/tsdb/index.js';
import { BusSampleSink } from '../../../pipeline/publish/index.js';
import { canonicalLabels, decodeSampleBatch, type Labels } from '../../../schemas/index.js';

export const T0 = 1_700_000_000_000;
export const STEP_MS = 15_000;

/** Stored form of one series, comparable with toEqual. */
export interface SeriesData {
  t: number[];
  v: number[];
  stale: number[];
}

export type Dataset = Map<string, SeriesData>;

export function seriesLabels(metric: string, k: number): Labels {
  return { __name__: metric, job: 'store-test', series: String(k), zone: `z${k % 3}` };
}

/** The value of series k at step n; every 11th step of every 5th series is a staleness marker. */
export function sampleAt(k: number, n: number): { v: number; stale: boolean } {
  return { v: k * 1000 + n * 0.5 + (n % 3 === 0 ? 1e-3 : 0), stale: k % 5 === 0 && n % 11 === 10 };
}

/** Produces steps [from, to) of `series` series, one appender (one produce) per step. */
export async function produceSteps(sink: BusSampleSink, metric: string, series: number, from: number, to: number, expected?: Dataset): Promise<void> {
  for (let n = from; n < to; n++) {
    const app = sink.appender();
    for (let k = 0; k < series; k++) {
      const { v, stale } = sampleAt(k, n);
      const labels = seriesLabels(metric, k);
      app.append(labels, T0 + n * STEP_MS, v, { stale });
      if (expected) addExpected(expected, labels, T0 + n * STEP_MS, v, stale);
    }
    await app.commit();
  }
}

/**
 * Adds a sample (given in the order the store receives them) as a store without an out-of-order
 * window keeps it: a sample at or before the series' newest kept timestamp is refused, so the
 * first value written at a timestamp stays (a later equal one is ignored, a different one
 * rejected as duplicate_sample).
 */
export function addExpected(ds: Dataset, labels: Labels, t: number, v: number, stale: boolean): void {
  const key = canonicalLabels(labels);
  let s = ds.get(key);
  if (s === undefined) ds.set(key, (s = { t: [], v: [], stale: [] }));
  if (s.t.length > 0 && t <= s.t[s.t.length - 1]) return;
  if (stale) s.stale.push(s.t.length);
  s.t.push(t);
  s.v.push(stale ? Number.NaN : v);
}

/**
 * How `stored` differs from `expected`, one line per series that differs, in steps (empty when
 * they are equal): a failure then names the series and the steps lost, doubled or changed.
 */
/**
 * What an embedded bus holds of a topic, read in partition order as the store reads it: the
 * samples as a dataset, and the steps any of them belongs to (every acknowledged step, plus perhaps
 * parts of one whose acknowledgement a kill cut off).
 */
export async function onTheBus(bus: EmbeddedBus, topic: string): Promise<{ dataset: Dataset; steps: Set<number> }> {
  const dataset: Dataset = new Map();
  const steps = new Set<number>();
  for (const log of bus.partitionLogs(topic)) {
    for (let at = log.low; at < log.high; ) {
      const { records, next } = await log.read(at, 1 << 20);
      for (const rec of records) {
        for (const s of decodeSampleBatch(rec.value).series) {
          s.timestamps.forEach((t, i) => {
            steps.add((t - T0) / STEP_MS);
            addExpected(dataset, s.labels, t, s.values[i], s.stale.includes(i));
          });
        }
      }
      at = next;
    }
  }
  return { dataset, steps };
}

export function differences(stored: Dataset, expected: Dataset): string[] {
  const out: string[] = [];
  const steps = (d: SeriesData | undefined): Map<number, string> => {
    const m = new Map<number, string>();
    d?.t.forEach((t, i) => {
      const step = (t - T0) / STEP_MS;
      const v = d.stale.includes(i) ? 'stale' : String(d.v[i]);
      m.set(step, m.has(step) ? `${m.get(step)},${v}` : v);
    });
    return m;
  };
  for (const key of [...new Set([...expected.keys(), ...stored.keys()])].sort()) {
    const want = steps(expected.get(key));
    const got = steps(stored.get(key));
    const lost = [...want.keys()].filter((n) => !got.has(n));
    const extra = [...got.keys()].filter((n) => !want.has(n));
    const changed = [...want.keys()].filter((n) => got.has(n) && got.get(n) !== want.get(n)).map((n) => `${n}: ${got.get(n)} for ${want.get(n)}`);
    const parts = [lost.length > 0 && `lost steps ${ranges(lost)}`, extra.length > 0 && `extra steps ${ranges(extra)}`, changed.length > 0 && `other values at ${changed.join('; ')}`].filter(Boolean);
    if (parts.length > 0) out.push(`${key.replaceAll('\u{d800}', ' ').trim()}: ${parts.join(', ')}`);
  }
  return out;
}

/** `[1, 2, 3, 7]` as `1-3, 7`. */
function ranges(ns: number[]): string {
  const out: string[] = [];
  const sorted = [...ns].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    out.push(j === i ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return out.join(', ');
}

/** Everything a Queryable holds for `metric`, in the comparable form (stale values as NaN). */
export async function readBack(q: Queryable, metric: string): Promise<Dataset> {
  const querier = q.querier(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  try {
    const set = await querier.select([{ type: '=', name: '__name__', value: metric }], {
      start: Number.MIN_SAFE_INTEGER,
      end: Number.MAX_SAFE_INTEGER,
    });
    const out: Dataset = new Map();
    for (const s of set.series) {
      const d: SeriesData = { t: [], v: [], stale: [] };
      for (let i = 0; i < s.timestamps.length; i++) {
        const stale = s.stale !== null && s.stale[i] === 1;
        if (stale) d.stale.push(i);
        d.t.push(s.timestamps[i]);
        d.v.push(stale ? Number.NaN : s.values[i]);
      }
      out.set(canonicalLabels(s.labels), d);
    }
    return out;
  } finally {
    await querier.close();
  }
}

/** Polls `pred` every 20 ms until it holds (the test's own timeout bounds the wait). */
export async function waitUntil(pred: () => boolean | Promise<boolean>, what: string | (() => string | Promise<string>) = 'condition', timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : await what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Polls `pred` until it holds, for as long as `progress` keeps changing: it fails only when
 * `progress` stood still for `stallMs` (a consumer that stopped), never because a loaded machine
 * is slow; the test's own timeout bounds the whole wait. `progress` also names the state on failure.
 */
export async function waitWhileProgressing(pred: () => boolean | Promise<boolean>, progress: () => string | Promise<string>, stallMs = 60_000): Promise<void> {
  let last = await progress();
  let movedAt = Date.now();
  while (!(await pred())) {
    await new Promise((r) => setTimeout(r, 100));
    const now = await progress();
    if (now !== last) {
      last = now;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > stallMs) {
      throw new Error(`no progress for ${stallMs} ms: ${now}`);
    }
  }
}

/**
 * True once the workers' shards together are durable up to every partition's high watermark: with
 * `store.wal: file` their durable offsets are there; with `store.wal: bus` the bus is the log of
 * what blocks do not hold yet, so they have applied every record (and are back where they were).
 */
export async function allDurable(bus: Bus, topic: string, workers: readonly StoreWorker[]): Promise<boolean> {
  const offsets = await bus.offsets(topic);
  return offsets.every((o) => {
    const w = workers.find((x) => x.shard(o.partition) !== undefined);
    const shard = w?.shard(o.partition);
    if (w === undefined || shard === undefined) return false;
    // An empty partition's shard has applied nothing (appendedOffset -1) and has nothing to.
    return w.config.wal === 'bus' ? shard.recovered && Math.max(0, shard.appendedOffset) >= o.high : (shard.durableOffset ?? 0) >= o.high;
  });
}

/**
 * True once the group's commit on every partition is its shard's durable offset and reports the
 * whole partition applied (store.wal file: both the end; bus: the first record with a sample not
 * yet in a block, and the end).
 */
export async function commitsFollowShards(bus: Bus, group: string, topic: string, workers: readonly StoreWorker[]): Promise<boolean> {
  const lag = await bus.lag(group, topic);
  return lag.every((l) => {
    const shard = workers.map((w) => w.shard(l.partition)).find((s) => s !== undefined);
    return shard !== undefined && l.committed === (shard.durableOffset ?? -1) && l.appliedLag === 0;
  });
}

export function newSink(bus: Bus, topic: string, partitions: number): BusSampleSink {
  return new BusSampleSink({ bus, topic, partitions, source: 'store-test' });
}

/** Where each partition stands, for failure messages: `p<n> durable/high`. */
export async function durability(bus: Bus, topic: string, workers: readonly StoreWorker[]): Promise<string> {
  const offsets = await bus.offsets(topic);
  return offsets
    .map((o) => {
      const shard = workers.map((w) => w.shard(o.partition)).find((s) => s !== undefined);
      return `p${o.partition} ${shard === undefined ? 'no shard' : `appended ${shard.appendedOffset} durable ${shard.durableOffset}`} low ${o.low} high ${o.high}`;
    })
    .join('; ');
}

/** A logger that shows a worker's errors in the test output. */
export const errorsToStderr = {
  info: () => undefined,
  warn: (o: object, m: string) => void process.stderr.write(`WARN ${m} ${JSON.stringify(o)}\n`),
  error: (o: object, m: string) => void process.stderr.write(`ERROR ${m} ${String((o as { err?: unknown }).err)}\n`),
};
