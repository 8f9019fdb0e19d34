import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus, Consumer } from '../../pipeline/bus/bus.js';
import { EmbeddedBus } from '../../pipeline/bus/embedded/index.js';
import { KafkaBus } from '../../pipeline/bus/kafka/index.js';
import { createKafkaTopic, kafkaBrokers, mockKafkaBusSettings, testNamespace } from '../harness/index.js';
import { runCli, startCli, waitFor } from './cli-process.js';

/** Consumes the whole topic as `group`, committing every batch, until it is all committed. */
async function consumeAll(bus: Bus, group: string, topic: string): Promise<void> {
  const consumer = await bus.consume({ group, topic, fromBeginning: true }, async (b) => b.commit());
  try {
    await waitFor(async () => ((await bus.lag(group, topic)).every((l) => l.lag === 0 && l.committed >= 0) ? true : undefined), 60_000);
  } finally {
    await consumer.stop();
  }
}

describe('tidemark replay --group on Kafka', () => {
  const ns = testNamespace('replay-group');
  const topic = ns.topic('samples');
  const brokers = kafkaBrokers().join(',');
  let bus: KafkaBus;

  beforeAll(async () => {
    await createKafkaTopic(topic, 2);
    bus = new KafkaBus(mockKafkaBusSettings(kafkaBrokers()));
    for (let i = 0; i < 10; i++) await bus.produce(topic, [0, 1].map((p) => ({ partition: p, value: Buffer.from(`r${i}`) })));
  }, 60_000);

  afterAll(async () => {
    await bus?.close();
  });

  // The mock cluster answers every timestamp lookup with the high watermark (TEST-SERVICES.md), so
  // --to-time is tested on the embedded bus below; here offsets and the refusal.
  it('moves a group to an offset, and a dry run only says where it would go', async () => {
    const group = ns.group('by-offset');
    await consumeAll(bus, group, topic);
    const dry = await runCli(['replay', '--group', group, '--topic', topic, '--to-offset', '2', '--dry-run', '--kafka', brokers, '--log.level', 'error'], { timeoutMs: 60_000 });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('dry run: would move');
    expect(dry.stdout).toContain('partition 1: 10 -> 2');
    expect((await bus.committedOffsets(group, topic)).map((c) => c.offset)).toEqual([10, 10]);
    const r = await runCli(['replay', '--group', group, '--topic', topic, '--to-offset', '2', '--kafka', brokers, '--log.level', 'error'], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('partition 0: 10 -> 2');
    expect((await bus.committedOffsets(group, topic)).map((c) => c.offset)).toEqual([2, 2]);
  });

  it('refuses while the group has a running member, and leaves its offsets alone', async () => {
    const group = ns.group('active');
    await consumeAll(bus, group, topic);
    let member: Consumer | undefined;
    try {
      member = await bus.consume({ group, topic, fromBeginning: true }, async (b) => b.commit());
      await member.ready;
      const r = await runCli(['replay', '--group', group, '--topic', topic, '--to-offset', '0', '--kafka', brokers, '--log.level', 'error'], { timeoutMs: 90_000 });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`consumer group "${group}" has active members`);
    } finally {
      await member?.stop();
    }
    expect((await bus.committedOffsets(group, topic)).map((c) => c.offset)).toEqual([10, 10]);
  });
});

describe('tidemark replay --group on the embedded bus of tidemark up', () => {
  let dir: string;
  let cfg: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-replay-group-'));
    cfg = join(dir, 'tidemark.yml');
    await writeFile(cfg, 'global:\n  scrape_interval: 15s\nbus:\n  partitions: 2\n');
  });

  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("refuses while tidemark up runs, then rewinds the stopped store's group to a time", async () => {
    const data = join(dir, 'data');
    const up = await startCli(['up', '--config', cfg, '--data', data]);
    let between = 0;
    try {
      const push = async (v: number) => {
        const res = await fetch(`${up.url}/api/v1/import/prometheus`, { method: 'POST', body: `replay_group_probe{i="${v}"} ${v}\n` });
        expect(res.ok).toBe(true);
      };
      for (let i = 0; i < 4; i++) await push(i);
      await new Promise((r) => setTimeout(r, 20));
      between = Date.now();
      await new Promise((r) => setTimeout(r, 20));
      for (let i = 4; i < 8; i++) await push(i);
      const refused = await runCli(['replay', '--group', 'store', '--topic', 'tidemark.samples', '--to-time', String(between / 1000), '--data', data, '--config', cfg]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('consumer group "store" has active members');
      // Every record stored and committed before stopping.
      await waitFor(async () => {
        const res = await fetch(`${up.url}/api/v1/query?${new URLSearchParams({ query: 'count(replay_group_probe)' })}`);
        const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
        return body.data.result[0]?.value[1] === '8' ? true : undefined;
      }, 30_000);
    } finally {
      expect(await up.stop()).toBe(0);
    }
    const dry = await runCli(['replay', '--group', 'store', '--topic', 'tidemark.samples', '--to-time', new Date(between).toISOString(), '--data', data, '--config', cfg, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('dry run: would move group store on tidemark.samples:');
    const r = await runCli(['replay', '--group', 'store', '--topic', 'tidemark.samples', '--to-time', new Date(between).toISOString(), '--data', data, '--config', cfg]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('moved group store on tidemark.samples:');
    const missing = await runCli(['replay', '--group', 'store', '--topic', 'tidemark.nope', '--to-offset', '0', '--data', data, '--config', cfg]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('topic "tidemark.nope" does not exist on this bus');
    const bus = await EmbeddedBus.open({ dataDir: join(data, 'bus'), logger: pino({ level: 'silent' }) });
    try {
      const committed = await bus.committedOffsets('store', 'tidemark.samples');
      const target = await bus.offsetsForTimestamp('tidemark.samples', between);
      const high = await bus.offsets('tidemark.samples');
      expect(committed).toEqual(target);
      // Some partition moved back: the records after `between` are read again.
      expect(committed.some((c, i) => c.offset < high[i]!.high)).toBe(true);
      for (const c of committed) expect(r.stdout).toContain(`partition ${c.partition}: `);
      // The dry run planned exactly what was then done.
      expect(dry.stdout.split('\n').slice(1)).toEqual(r.stdout.split('\n').slice(1));
    } finally {
      await bus.close();
    }
  }, 120_000);
});
