import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Consumer } from '../../../pipeline/bus/bus.js';
import { KafkaBus } from '../../../pipeline/bus/kafka/index.js';
import {
  createKafkaTopic,
  kafkaBrokers,
  mockKafkaBusSettings,
  RecordCollector,
  testNamespace,
} from '../../harness/index.js';

const ns = testNamespace('kafka-group');
let bus: KafkaBus;

beforeAll(() => {
  bus = new KafkaBus(mockKafkaBusSettings(kafkaBrokers()));
});
afterAll(async () => {
  await bus.close();
});

const val = (s: string): Buffer => Buffer.from(s);

/** Resolves once `pred` holds, re-checked whenever `poke` is called. */
function condition(pred: () => boolean): { poke: () => void; done: Promise<void> } {
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  const poke = (): void => {
    if (pred()) resolve();
  };
  return { poke, done };
}

describe('KafkaBus consumer groups on the mock cluster', () => {
  it('resumes a restarted member at the committed offset, redelivering what was read but not made durable', async () => {
    const topic = ns.topic('resume');
    await createKafkaTopic(topic, 1);
    const group = ns.group('resume');
    await bus.produce(topic, Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: val(`v${i}`) })));

    // The first member reads all ten records but only offsets 0..3 become durable.
    const first = new RecordCollector(async (batch) => {
      const durable = batch.records.filter((r) => r.offset < 4);
      if (durable.length > 0) await batch.commit(durable[durable.length - 1].offset + 1);
    });
    const a = await bus.consume({ group, topic }, first.handler);
    await first.waitFor((rs) => rs.length >= 10);
    await a.stop();
    expect(await bus.committedOffsets(group, topic)).toEqual([{ partition: 0, offset: 4 }]);

    const second = new RecordCollector(async (batch) => batch.commit());
    const b = await bus.consume({ group, topic }, second.handler);
    await second.waitFor((rs) => rs.length >= 6);
    expect(second.records.map((r) => r.offset)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(second.values(0)[0]).toBe('v4');
    await b.stop();
    expect(await bus.committedOffsets(group, topic)).toEqual([{ partition: 0, offset: 10 }]);
  });

  it('splits partitions disjointly between two members, each receiving only its own partitions', async () => {
    const topic = ns.topic('split');
    await createKafkaTopic(topic, 6);
    const group = ns.group('split');
    const members: Consumer[] = [];
    const revokedFromA: number[] = [];
    const assignedToB: number[] = [];
    const split = condition(
      () =>
        members.length === 2 &&
        members[0].assignment().length > 0 &&
        members[1].assignment().length > 0 &&
        members[0].assignment().length + members[1].assignment().length === 6,
    );

    const ca = new RecordCollector();
    const a = await bus.consume(
      { group, topic, onRevoked: (ps) => { revokedFromA.push(...ps); split.poke(); }, onAssigned: () => split.poke() },
      ca.handler,
    );
    members.push(a);
    await a.ready;
    expect(a.assignment()).toEqual([0, 1, 2, 3, 4, 5]);

    const cb = new RecordCollector();
    const b = await bus.consume(
      { group, topic, onAssigned: (ps) => { assignedToB.push(...ps); split.poke(); } },
      cb.handler,
    );
    members.push(b);
    await b.ready;
    split.poke();
    await split.done;

    const [pa, pb] = [a.assignment(), b.assignment()];
    expect([...pa, ...pb].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(pa.filter((p) => pb.includes(p))).toEqual([]);
    expect([...revokedFromA].sort()).toEqual(pb);
    expect([...assignedToB].sort()).toEqual(pb);

    await bus.produce(topic, [0, 1, 2, 3, 4, 5].map((p) => ({ partition: p, value: val(`p${p}`) })));
    await ca.waitFor((rs) => rs.length >= pa.length);
    await cb.waitFor((rs) => rs.length >= pb.length);
    expect([...new Set(ca.records.map((r) => r.partition))].sort()).toEqual(pa);
    expect([...new Set(cb.records.map((r) => r.partition))].sort()).toEqual(pb);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('resets a stopped group to the earliest offset, an explicit offset and the latest offset', async () => {
    const topic = ns.topic('reset');
    await createKafkaTopic(topic, 2);
    const group = ns.group('reset');
    await bus.produce(topic, [
      ...Array.from({ length: 8 }, (_, i) => ({ partition: 0, value: val(`a${i}`) })),
      ...Array.from({ length: 3 }, (_, i) => ({ partition: 1, value: val(`b${i}`) })),
    ]);

    // Offsets before any member ever joined: the group does not exist yet.
    await bus.resetGroup(group, topic, { offset: 5 });
    expect(await bus.committedOffsets(group, topic)).toEqual([
      { partition: 0, offset: 5 },
      { partition: 1, offset: 3 }, // clamped to the high watermark
    ]);

    // A member then starts where the reset put the group.
    const c = new RecordCollector(async (batch) => batch.commit());
    const member = await bus.consume({ group, topic }, c.handler);
    await c.waitFor((rs) => rs.length >= 3);
    expect(c.records.map((r) => r.value.toString()).sort()).toEqual(['a5', 'a6', 'a7']);
    await member.stop();

    await bus.resetGroup(group, topic, 'earliest');
    expect(await bus.committedOffsets(group, topic)).toEqual([
      { partition: 0, offset: 0 },
      { partition: 1, offset: 0 },
    ]);
    expect((await bus.lag(group, topic)).map((l) => l.lag)).toEqual([8, 3]);
  });
});
