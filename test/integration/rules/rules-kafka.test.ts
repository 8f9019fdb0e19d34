import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaBus } from '../../../pipeline/bus/kafka/index.js';
import type { NotifyAlert } from '../../../pipeline/alert/rules/index.js';
import { createKafkaTopic, kafkaBrokers, mockKafkaBusSettings, testNamespace } from '../../harness/index.js';
import { eventSummary, evaluator, publish, readEvents, requests, ruleFile } from './rules-scenario.js';

const ns = testNamespace('rules-kafka');
let bus: KafkaBus;
let files: Awaited<ReturnType<typeof ruleFile>>;
const topics = { samples: ns.topic('samples'), aggregates: ns.topic('aggregates'), alerts: ns.topic('alerts') };

beforeAll(async () => {
  files = await ruleFile();
  bus = new KafkaBus(mockKafkaBusSettings(kafkaBrokers()));
  await createKafkaTopic(topics.samples, 2);
  await createKafkaTopic(topics.aggregates, 2);
  await createKafkaTopic(topics.alerts, 2);
});
afterAll(async () => {
  await bus.close();
  await files.cleanup();
});

describe('rules evaluator on Kafka', () => {
  it('evaluates on event time across two partitions and publishes the alert history', async () => {
    const notified: NotifyAlert[] = [];
    // i1 and i2 may land on different partitions: a silent one is excluded after 5 s
    // (long enough for the mock's first fetch).
    const ev = evaluator(bus, topics, notified, { group: ns.group('rules'), idleTimeoutMs: 5000 });
    await ev.applyConfig({ ruleFiles: [files.file], evaluationIntervalMs: 60_000 });
    await ev.start();
    await publish(bus, topics.samples, requests(0, 120_000));
    const events = await readEvents(bus, topics.alerts, ns.group('check'), 3);
    expect(eventSummary(events)).toEqual(['30000:inactive->pending', '50000:pending->firing', '80000:firing->inactive']);
    expect(notified.filter((a) => a.labels['alertname'] === 'ReqHigh')).toHaveLength(2);
    await ev.stop();
  });
});
