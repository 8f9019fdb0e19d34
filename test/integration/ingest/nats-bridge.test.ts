import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, headers, type NatsConnection } from 'nats';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNatsConnector, createNatsOutputSink, DEAD_LETTER_REASON_HEADER, DEAD_LETTER_SUBJECT_HEADER, natsConfigSchema, type NatsConfigInput } from '../../../connectors/nats/index.js';
import { BusSampleSink } from '../../../pipeline/publish/index.js';
import { EmbeddedBus } from '../../../pipeline/bus/embedded/index.js';
import { decodeSampleBatch, type Labels } from '../../../schemas/index.js';
import { Histogram } from '../../../schemas/native-histogram/index.js';
import { natsUrl, testNamespace } from '../../harness/index.js';

/** The connectors take validated configuration; tests write it as YAML would. */
const natsBridge = (settings: Parameters<typeof createNatsConnector>[0], input: NatsConfigInput) =>
  createNatsConnector(settings, natsConfigSchema.parse(input));
const natsOutputSink = (settings: Parameters<typeof createNatsOutputSink>[0], input: NatsConfigInput) =>
  createNatsOutputSink(settings, natsConfigSchema.parse(input));

interface Sample {
  readonly labels: Labels;
  readonly t: number;
  readonly v: number;
  readonly stale: boolean;
}

const key = (s: Sample) => `${JSON.stringify(Object.fromEntries(Object.entries(s.labels).sort()))}@${s.t}${s.stale ? ':stale' : `=${s.v}`}`;

describe('NATS bridge into the bus', () => {
  const ns = testNamespace('nats-bridge');
  let dir: string;
  let bus: EmbeddedBus;
  let nc: NatsConnection;
  let topicN = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-nats-'));
    bus = await EmbeddedBus.open({ dataDir: dir });
    nc = await connect({ servers: natsUrl() });
  });
  afterAll(async () => {
    await nc.drain();
    await bus.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function newTopic(): Promise<{ topic: string; sink: BusSampleSink }> {
    const topic = `samples-${++topicN}`;
    await bus.ensureTopic(topic, 3);
    return { topic, sink: new BusSampleSink({ bus, topic, partitions: 3, source: 'nats-bridge' }) };
  }

  async function readAll(topic: string): Promise<Sample[]> {
    const out: Sample[] = [];
    for (const v of await readRecords(topic)) {
      for (const s of decodeSampleBatch(v).series) {
        const stale = new Set(s.stale);
        s.timestamps.forEach((t, i) => out.push({ labels: s.labels, t, v: s.values[i], stale: stale.has(i) }));
      }
    }
    return out;
  }

  /** Every record on the topic so far. */
  async function readRecords(topic: string): Promise<Buffer[]> {
    const offsets = await bus.offsets(topic);
    const want = offsets.reduce((n, o) => n + o.high - o.low, 0);
    const values: Buffer[] = [];
    if (want > 0) {
      let done!: () => void;
      const all = new Promise<void>((r) => (done = r));
      const c = await bus.consume({ group: `read-${Math.random()}`, topic, fromBeginning: true }, async (b) => {
        for (const r of b.records) values.push(r.value);
        if (values.length >= want) done();
      });
      await all;
      await c.stop();
    }
    return values;
  }

  /** Polls the topic until `n` samples arrived (the bridge works asynchronously). */
  async function waitForSamples(topic: string, n: number): Promise<Sample[]> {
    // Up to about 30 s: a loaded 2-core machine can stall for seconds.
    for (let i = 0; i < 1200; i++) {
      const got = await readAll(topic);
      if (got.length >= n) return got;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`fewer than ${n} samples arrived on ${topic}: ${(await readAll(topic)).length}`);
  }

  function edgeSamples(from: number, count: number): Sample[] {
    const out: Sample[] = [];
    for (let i = from; i < from + count; i++) {
      out.push({ labels: { __name__: 'edge_metric', cluster: 'isolated-1', i: String(i) }, t: 1_700_000_000_000 + i, v: i * 1.5, stale: false });
    }
    return out;
  }

  it('carries edge samples (staleness markers included) through JetStream into the bus unchanged', async () => {
    const subject = ns.subject('rt.samples');
    const stream = ns.stream('rt');
    const { topic, sink } = await newTopic();
    const edge = await natsOutputSink(
      { registry: new Registry(), connection: nc, source: 'edge-1' },
      { output: { subject, stream, create_stream: true, max_series_per_message: 40 } },
    );
    const sent = [...edgeSamples(0, 100), { labels: { __name__: 'edge_gone', cluster: 'isolated-1' }, t: 1_700_000_000_500, v: Number.NaN, stale: true }];
    const app = edge.sink.appender();
    for (const s of sent) app.append(s.labels, s.t, s.v, s.stale ? { stale: true } : undefined);
    await app.commit();

    const bridge = natsBridge(
      { sink, registry: new Registry(), connection: nc },
      { inputs: [{ subject, format: 'sample_batch', jetstream: { stream, durable: 'central' } }] },
    );
    await bridge.start();
    try {
      const got = await waitForSamples(topic, sent.length);
      expect(got.map(key).sort()).toEqual(sent.map(key).sort());
    } finally {
      await bridge.stop();
      await edge.close();
    }
  });

  it('carries the start timestamps of edge samples through JetStream into the bus', async () => {
    const subject = ns.subject('st.samples');
    const stream = ns.stream('st');
    const { topic, sink } = await newTopic();
    const edge = await natsOutputSink({ registry: new Registry(), connection: nc, source: 'edge-st' }, { output: { subject, stream, create_stream: true } });
    const app = edge.sink.appender();
    const labels = { __name__: 'edge_requests_total', cluster: 'isolated-1' };
    app.append(labels, 1_700_000_000_000, 5, { startTimestamp: 1_699_999_000_000 });
    app.append(labels, 1_700_000_015_000, 6);
    await app.commit();
    const bridge = natsBridge({ sink, registry: new Registry(), connection: nc }, { inputs: [{ subject, format: 'sample_batch', jetstream: { stream, durable: 'central-st' } }] });
    await bridge.start();
    try {
      await waitForSamples(topic, 2);
      const starts: number[] = [];
      for (const v of await readRecords(topic)) for (const s of decodeSampleBatch(v).series) starts.push(...(s.startTimestamps ?? s.timestamps.map(() => 0)));
      expect(starts).toEqual([1_699_999_000_000, 0]);
    } finally {
      await bridge.stop();
      await edge.close();
    }
  });

  it('carries native-histogram samples from an edge through JetStream into the bus', async () => {
    const subject = ns.subject('nh.samples');
    const stream = ns.stream('nh');
    const { topic, sink } = await newTopic();
    const edge = await natsOutputSink({ registry: new Registry(), connection: nc, source: 'edge-nh' }, { output: { subject, stream, create_stream: true } });
    const h = new Histogram({ schema: 0, count: 3, sum: 2, positiveSpans: [{ offset: 0, length: 2 }], positiveBuckets: [1, 1] });
    const app = edge.sink.appender();
    app.append({ __name__: 'rpc_seconds', i: '0' }, 1_700_000_000_000, 1);
    app.appendHistogram!({ __name__: 'rpc_seconds', i: '0' }, 1_700_000_015_000, h);
    app.appendHistogram!({ __name__: 'rpc_seconds', i: '1' }, 1_700_000_015_000, h);
    await app.commit();
    const bridge = natsBridge({ sink, registry: new Registry(), connection: nc }, { inputs: [{ subject, format: 'sample_batch', jetstream: { stream, durable: 'central' } }] });
    await bridge.start();
    try {
      await waitForSamples(topic, 1);
      const histograms: string[] = [];
      for (let i = 0; i < 1200 && histograms.length < 2; i++) {
        histograms.length = 0;
        const offsets = await bus.offsets(topic);
        const want = offsets.reduce((n, o) => n + o.high - o.low, 0);
        const values: Buffer[] = [];
        const c = await bus.consume({ group: `nh-${Math.random()}`, topic, fromBeginning: true }, async (b) => void values.push(...b.records.map((r) => r.value)));
        while (values.length < want) await new Promise((r) => setTimeout(r, 25));
        await c.stop();
        for (const v of values) {
          for (const s of decodeSampleBatch(v).series) s.histograms?.histograms.forEach((x, k) => histograms.push(`${s.labels.i} ${s.histograms!.timestamps[k]} ${x.toString()}`));
        }
        if (histograms.length < 2) await new Promise((r) => setTimeout(r, 25));
      }
      expect(histograms.sort()).toEqual([`0 1700000015000 ${h.toString()}`, `1 1700000015000 ${h.toString()}`]);
    } finally {
      await bridge.stop();
      await edge.close();
    }
  });

  it('loses nothing across a bridge restart: the durable consumer resumes where it acknowledged', async () => {
    const subject = ns.subject('restart.samples');
    const stream = ns.stream('restart');
    const { topic, sink } = await newTopic();
    const edge = await natsOutputSink(
      { registry: new Registry(), connection: nc, source: 'edge-2' },
      { output: { subject, stream, create_stream: true, max_series_per_message: 10 } },
    );
    const publish = async (samples: Sample[]) => {
      const app = edge.sink.appender();
      for (const s of samples) app.append(s.labels, s.t, s.v);
      await app.commit();
    };
    const input = { subject, format: 'sample_batch' as const, jetstream: { stream, durable: 'central', batch_size: 7 } };
    const first = natsBridge({ sink, registry: new Registry(), connection: nc }, { inputs: [input] });
    await first.start();
    await publish(edgeSamples(0, 50));
    await waitForSamples(topic, 50);
    await first.stop();

    await publish(edgeSamples(50, 80)); // published while no bridge runs
    const second = natsBridge({ sink, registry: new Registry(), connection: nc }, { inputs: [input] });
    await second.start();
    try {
      const got = await waitForSamples(topic, 130);
      expect(new Set(got.map(key))).toEqual(new Set(edgeSamples(0, 130).map(key)));
      expect(got).toHaveLength(130); // acknowledged messages are not delivered again
    } finally {
      await second.stop();
      await edge.close();
    }
  });

  it('dead-letters bad messages with the reason, acknowledges them and goes on', async () => {
    const subject = ns.subject('expo.in');
    const stream = ns.stream('expo');
    const dlq = ns.subject('dlq');
    const { topic, sink } = await newTopic();
    const registry = new Registry();
    const dead = nc.subscribe(dlq, { max: 1 });
    const bridge = natsBridge(
      { sink, registry, connection: nc },
      {
        dead_letter_subject: dlq,
        inputs: [{ subject: `${subject}.>`, format: 'exposition', subject_labels: { job: 4, instance: 5 }, jetstream: { stream, durable: 'central', create_stream: true } }],
      },
    );
    await bridge.start();
    try {
      const js = nc.jetstream();
      await js.publish(`${subject}.node.host1`, new TextEncoder().encode('# TYPE up gauge\nup 1 1700000000000\n'));
      await js.publish(`${subject}.node.host2`, new TextEncoder().encode('up{ 1\n'));
      const h = headers();
      h.set('Tidemark-Label-region', 'eu');
      await js.publish(`${subject}.node.host3`, new TextEncoder().encode('up{job="exported"} 0 1700000000000\n'), { headers: h });

      for await (const m of dead) {
        expect(m.headers?.get(DEAD_LETTER_SUBJECT_HEADER)).toBe(`${subject}.node.host2`);
        expect(m.headers?.get(DEAD_LETTER_REASON_HEADER)).toMatch(/^parse_error: .*line 1/);
        expect(new TextDecoder().decode(m.data)).toBe('up{ 1\n');
      }
      const got = await waitForSamples(topic, 2);
      expect(got.map((s) => s.labels).sort((a, b) => a.instance.localeCompare(b.instance))).toEqual([
        { __name__: 'up', job: 'node', instance: 'host1' },
        { __name__: 'up', job: 'node', instance: 'host3', exported_job: 'exported', region: 'eu' },
      ]);
      const metric = await registry.getSingleMetric('tidemark_nats_dead_letters_total')?.get();
      expect(metric?.values.find((v) => v.labels.reason === 'parse_error')?.value).toBe(1);
      const info = await (await nc.jetstreamManager()).consumers.info(stream, 'central');
      expect(info.num_ack_pending).toBe(0); // the bad one was acknowledged too
      expect(info.num_pending).toBe(0);
    } finally {
      await bridge.stop();
    }
  });

  it('takes line protocol and exposition text from core subjects', async () => {
    const influxSubject = ns.subject('influx');
    const textSubject = ns.subject('text');
    const { topic, sink } = await newTopic();
    const bridge = natsBridge(
      { sink, registry: new Registry(), connection: nc },
      {
        inputs: [
          { subject: influxSubject, format: 'influx', influx_precision: 'ms', labels: { source: 'telegraf' } },
          { subject: textSubject, format: 'exposition', labels: { job: 'edge' } },
        ],
      },
    );
    await bridge.start();
    try {
      nc.publish(influxSubject, new TextEncoder().encode('cpu,host=a usage_idle=97.5,usage_user=2 1700000000000\n'));
      const h = headers();
      h.set('Content-Type', 'application/openmetrics-text; version=1.0.0');
      nc.publish(textSubject, new TextEncoder().encode('# TYPE req counter\nreq_total 5 1700000000.5\n# EOF\n'), { headers: h });
      await nc.flush();
      const got = await waitForSamples(topic, 3);
      const want: Sample[] = [
          { labels: { __name__: 'cpu_usage_idle', host: 'a', source: 'telegraf' }, t: 1_700_000_000_000, v: 97.5, stale: false },
          { labels: { __name__: 'cpu_usage_user', host: 'a', source: 'telegraf' }, t: 1_700_000_000_000, v: 2, stale: false },
          { labels: { __name__: 'req_total', job: 'edge' }, t: 1_700_000_000_500, v: 5, stale: false },
      ];
      expect(got.map(key).sort()).toEqual(want.map(key).sort());
    } finally {
      await bridge.stop();
    }
  });
});
