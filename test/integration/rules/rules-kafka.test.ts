import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KafkaBus } from '../../../pipeline/bus/kafka/index.js';
import { BusSampleSink } from '../../../pipeline/publish/index.js';
import type { NotifyAlert } from '../../../pipeline/alert/rules/index.js';
import { createKafkaTopic, kafkaBrokers, mockKafkaBusSettings, testNamespace } from '../../harness/index.js';
import { eventSummary, evaluator, publish, readEvents, requests, ruleFile } from './rules-scenario.js';

const ns = testNamespace('rules-kafka');
let bus: KafkaBus;
let files: Awaited<ReturnType<typeof ruleFile>>;
const topics = { samples: ns.topic('samples'), aggregates: ns.topic('aggregates'), alerts: ns.topic('alerts') };
const live = { samples: ns.topic('live-samples'), aggregates: ns.topic('live-aggregates'), alerts: ns.topic('live-alerts') };

beforeAll(async () => {
  files = await ruleFile();
  bus = new KafkaBus(mockKafkaBusSettings(kafkaBrokers()));
  await createKafkaTopic(topics.samples, 2);
  await createKafkaTopic(topics.aggregates, 2);
  await createKafkaTopic(topics.alerts, 2);
  for (const t of Object.values(live)) await createKafkaTopic(t, 2);
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

  it('moves past a partition without data on the producer watermarks, not on the idle timeout', async () => {
    const notified: NotifyAlert[] = [];
    const file = join(files.dir, 'live.yml');
    await writeFile(file, 'groups:\n- name: live\n  interval: 100ms\n  rules:\n  - alert: Crossed\n    expr: level > 10\n');
    // An idle timeout far longer than the test: only the producer's promises can move the
    // partition that gets no data.
    const ev = evaluator(bus, live, notified, { group: ns.group('rules-live'), idleTimeoutMs: 600_000 });
    await ev.applyConfig({ ruleFiles: [file], evaluationIntervalMs: 1000 });
    await ev.start();
    const sink = new BusSampleSink({ bus, topic: live.samples, partitions: 2, source: 'test', watermarks: { periodMs: 50, lagMs: 20 } });
    try {
      const app = sink.appender();
      app.append({ __name__: 'level', instance: 'only' }, Date.now(), 42);
      await app.commit();
      for (let i = 0; i < 3000 && !notified.some((a) => a.labels['alertname'] === 'Crossed'); i++) await new Promise((r) => setTimeout(r, 10));
      expect(notified.find((a) => a.labels['alertname'] === 'Crossed')?.labels).toEqual({ alertname: 'Crossed', instance: 'only' });
    } finally {
      await sink.close();
      await ev.stop();
    }
  });
});

