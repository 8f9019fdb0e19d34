/** Shared pieces of the rules integration suites: the rule file, the samples, reading topics back. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BusSampleSink } from '../../../pipeline/publish/index.js';
import type { Bus } from '../../../pipeline/bus/bus.js';
import { Engine } from '../../../pipeline/promql/index.js';
import {
  decodeAlertEvent, engineQueryFunc, RulesEvaluator, type AlertEvent, type NotifyAlert, type RulesEvaluatorSettings,
} from '../../../pipeline/alert/rules/index.js';
import { decodeSampleBatch, type SeriesSamples } from '../../../schemas/index.js';
import { RecordCollector } from '../../harness/index.js';

export const RULES = `
groups:
- name: api
  interval: 10s
  rules:
  - record: job:req:sum
    expr: sum by (job) (req)
    labels: {source: rules}
  - alert: ReqHigh
    expr: job:req:sum > 10
    for: 20s
    labels: {severity: page}
    annotations: {summary: '{{ $labels.job }} at {{ $value }}'}
`;

export const T0 = 1_700_000_000_000;

/** i1 is 3 throughout, i2 is 9 in [30 s, 80 s) and 1 otherwise: the sum is above 10 in [30 s, 80 s). */
export function requests(from: number, to: number): Array<{ labels: Record<string, string>; t: number; v: number }> {
  const out = [];
  for (let t = from; t <= to; t += 5000) {
    out.push({ labels: { __name__: 'req', job: 'api', instance: 'i1' }, t: T0 + t, v: 3 });
    out.push({ labels: { __name__: 'req', job: 'api', instance: 'i2' }, t: T0 + t, v: t >= 30_000 && t < 80_000 ? 9 : 1 });
  }
  return out;
}

/** Publishes samples the way every connector does, one commit per 5 s step. */
export async function publish(bus: Bus, topic: string, samples: ReturnType<typeof requests>): Promise<void> {
  const partitions = await bus.partitionCount(topic);
  const sink = new BusSampleSink({ bus, topic, partitions, source: 'test' });
  const byT = new Map<number, typeof samples>();
  for (const s of samples) byT.set(s.t, [...(byT.get(s.t) ?? []), s]);
  for (const group of byT.values()) {
    const app = sink.appender();
    for (const s of group) app.append(s.labels, s.t, s.v);
    await app.commit();
  }
}

export interface Topics { samples: string; aggregates: string; alerts: string }

export function evaluator(bus: Bus, topics: Topics, notified: NotifyAlert[], extra: Partial<RulesEvaluatorSettings> = {}): RulesEvaluator {
  return new RulesEvaluator({
    bus, samplesTopic: topics.samples, aggregatesTopic: topics.aggregates, alertsTopic: topics.alerts,
    query: engineQueryFunc(new Engine()), notify: async (a) => { notified.push(...a); },
    allowedLatenessMs: 0, idleTimeoutMs: 60_000, ...extra,
  });
}

export async function ruleFile(): Promise<{ dir: string; file: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'rules-it-'));
  const file = join(dir, 'rules.yml');
  await writeFile(file, RULES);
  return { dir, file, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Reads a topic from the beginning with a fresh group until `pred` holds. */
export async function readTopic<T>(bus: Bus, topic: string, group: string, decode: (b: Buffer) => T, pred: (xs: T[]) => boolean): Promise<T[]> {
  const c = new RecordCollector();
  const consumer = await bus.consume({ group, topic, fromBeginning: true }, c.handler);
  await c.waitFor((rs) => pred(rs.map((r) => decode(r.value))));
  await consumer.stop();
  return c.records.map((r) => decode(r.value));
}

export const readEvents = (bus: Bus, topic: string, group: string, n: number): Promise<AlertEvent[]> =>
  readTopic(bus, topic, group, decodeAlertEvent, (xs) => xs.length >= n).then((xs) => xs.sort((a, b) => a.at - b.at));

export function recorded(batches: ReturnType<typeof decodeSampleBatch>[], name: string): SeriesSamples[] {
  return batches.flatMap((b) => b.series).filter((s) => s.labels['__name__'] === name);
}

export const eventSummary = (es: readonly AlertEvent[]) => es.map((e) => `${e.at - T0}:${e.previous}->${e.state}`);
