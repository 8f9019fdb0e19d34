/**
 * The contract every `Bus` adapter must pass. A test file calls
 *
 *   describeBusContract('embedded', async () => ({ bus, topic: (n) => ..., cleanup }), { capabilities })
 *
 * `makeBus` runs once per suite (beforeAll); `topic(n)` hands each test a fresh, empty topic with
 * exactly n partitions (the Kafka mock cannot create topics through the API). Capabilities an
 * adapter (or its test cluster) lacks are declared, and the tests that need them are then not
 * registered at all, so every registered test asserts something real. The suite keeps the number
 * of group joins small: on the Kafka mock each join takes about 3 s.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BatchHandler, Bus, BusRecord, ConsumeOptions, Consumer } from './bus.js';

export interface BusContractCapabilities {
  /**
   * offsetsForTimestamp, seek and resetGroup find real offsets by record timestamp. The librdkafka
   * mock answers the high watermark for any timestamp, so Kafka-on-mock declares false.
   */
  readonly timestampLookup: boolean;
  /** Two members of one group can run on one bus at once and split the partitions. */
  readonly multipleMembers: boolean;
}

export interface BusContractSubject {
  readonly bus: Bus;
  /** A fresh, empty topic with exactly `partitions` partitions, used by one test only. */
  topic(partitions: number): Promise<string>;
  cleanup(): Promise<void>;
}

export interface BusContractOptions {
  /** Defaults: everything supported. */
  readonly capabilities?: Partial<BusContractCapabilities>;
  /** How long to wait for a group to form or records to arrive before failing. Default 30 s. */
  readonly waitMs?: number;
}

interface Received {
  readonly records: BusRecord[];
  readonly batches: { partition: number; highWatermark: number; first: number; last: number }[];
}

export function describeBusContract(
  name: string,
  makeBus: () => Promise<BusContractSubject>,
  options: BusContractOptions = {},
): void {
  const caps: BusContractCapabilities = { timestampLookup: true, multipleMembers: true, ...options.capabilities };
  const waitMs = options.waitMs ?? 30_000;
  const testTimeout = waitMs * 4;

  describe(`Bus contract: ${name}`, () => {
    let subject: BusContractSubject;
    let bus: Bus;
    const running: Consumer[] = [];
    let groupSeq = 0;
    const group = (label: string) => `contract-${label}-${process.pid}-${++groupSeq}-${Math.random().toString(36).slice(2, 8)}`;

    beforeAll(async () => {
      subject = await makeBus();
      bus = subject.bus;
    }, testTimeout);

    afterEach(async () => {
      await Promise.all(running.splice(0).map((c) => c.stop()));
    }, testTimeout);

    afterAll(async () => {
      await subject?.cleanup();
    }, testTimeout);

    async function waitUntil(what: string, cond: () => boolean | Promise<boolean>): Promise<void> {
      const deadline = Date.now() + waitMs;
      while (!(await cond())) {
        if (Date.now() > deadline) throw new Error(`timed out after ${waitMs} ms waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }

    /** Starts a member that records everything; `onBatch` decides what to commit (default: all). */
    async function collect(
      opts: Omit<ConsumeOptions, 'group'> & { group: string },
      onBatch: BatchHandler = (b) => b.commit(),
    ): Promise<Received & { consumer: Consumer }> {
      const got: Received = { records: [], batches: [] };
      const consumer = await bus.consume(opts, async (b) => {
        got.records.push(...b.records);
        got.batches.push({
          partition: b.partition,
          highWatermark: b.highWatermark,
          first: b.records[0].offset,
          last: b.records[b.records.length - 1].offset,
        });
        await onBatch(b);
      });
      running.push(consumer);
      await consumer.ready;
      return { ...got, consumer, records: got.records, batches: got.batches };
    }

    const values = (n: number, p: number, from = 0, prefix = 'v') =>
      Array.from({ length: n }, (_, i) => ({ partition: p, value: Buffer.from(`${prefix}-${p}-${from + i}`) }));
    const ofPartition = (rs: BusRecord[], p: number) => rs.filter((r) => r.partition === p);

    it('produce resolves with consecutive offsets per partition, in input order, and moves the high watermark', async () => {
      const topic = await subject.topic(2);
      expect(await bus.partitionCount(topic)).toBe(2);
      expect(await bus.offsets(topic)).toEqual([
        { partition: 0, low: 0, high: 0 },
        { partition: 1, low: 0, high: 0 },
      ]);
      const produced = await bus.produce(topic, [...values(1, 0), ...values(1, 1), ...values(2, 0, 1)]);
      expect(produced).toEqual([
        { partition: 0, offset: 0 },
        { partition: 1, offset: 0 },
        { partition: 0, offset: 1 },
        { partition: 0, offset: 2 },
      ]);
      const more = await Promise.all([bus.produce(topic, values(2, 1, 1)), bus.produce(topic, values(1, 0, 3))]);
      expect(more[0].map((r) => r.offset)).toEqual([1, 2]);
      expect(more[1]).toEqual([{ partition: 0, offset: 3 }]);
      expect(await bus.offsets(topic)).toEqual([
        { partition: 0, low: 0, high: 4 },
        { partition: 1, low: 0, high: 3 },
      ]);
    });

    it('rejects a produce to a partition the topic does not have', async () => {
      const topic = await subject.topic(1);
      await expect(bus.produce(topic, [{ partition: 5, value: Buffer.from('x') }])).rejects.toThrow();
    });

    it('a group member gets every partition and each record once, in offset order, including records produced while it runs', async () => {
      const topic = await subject.topic(3);
      for (let round = 0; round < 2; round++) {
        await bus.produce(topic, [...values(5, 0, round * 5), ...values(5, 1, round * 5), ...values(5, 2, round * 5)]);
      }
      const g = await collect({ group: group('once'), topic });
      expect(g.consumer.assignment()).toEqual([0, 1, 2]);
      await waitUntil('30 records', () => g.records.length >= 30);
      await bus.produce(topic, [...values(5, 0, 10), ...values(5, 2, 10), ...values(5, 1, 10)]);
      await waitUntil('45 records', () => g.records.length >= 45);
      for (const p of [0, 1, 2]) {
        const rs = ofPartition(g.records, p);
        expect(rs.map((r) => r.offset)).toEqual(Array.from({ length: 15 }, (_, i) => i));
        expect(rs.map((r) => r.value.toString())).toEqual(Array.from({ length: 15 }, (_, i) => `v-${p}-${i}`));
        expect(rs.every((r) => r.topic === topic)).toBe(true);
      }
      for (const b of g.batches) expect(b.highWatermark).toBeGreaterThan(b.last);
      expect(g.records.length).toBe(45);
    }, testTimeout);

    it('keys, headers and timestamps round-trip, and a record without a timestamp gets the time of produce', async () => {
      const topic = await subject.topic(1);
      const before = Date.now();
      await bus.produce(topic, [
        { partition: 0, value: Buffer.from('a'), key: Buffer.from('key-a'), timestampMs: 1_600_000_000_123, headers: { h1: Buffer.from('x'), h2: Buffer.from([0, 255, 1]) } },
        { partition: 0, value: Buffer.alloc(0), key: null, timestampMs: 1_600_000_000_456 },
        { partition: 0, value: Buffer.from([1, 2, 3]) },
      ]);
      const after = Date.now();
      const g = await collect({ group: group('roundtrip'), topic });
      await waitUntil('3 records', () => g.records.length >= 3);
      const [a, b, c] = g.records;
      expect(a.key?.toString()).toBe('key-a');
      expect(a.timestampMs).toBe(1_600_000_000_123);
      expect(a.value.toString()).toBe('a');
      expect(Object.keys(a.headers).sort()).toEqual(['h1', 'h2']);
      expect(a.headers.h1.toString()).toBe('x');
      expect([...a.headers.h2]).toEqual([0, 255, 1]);
      expect(b.key).toBeNull();
      expect(b.value.length).toBe(0);
      expect(b.timestampMs).toBe(1_600_000_000_456);
      expect(Object.keys(b.headers)).toEqual([]);
      expect([...c.value]).toEqual([1, 2, 3]);
      expect(c.timestampMs).toBeGreaterThanOrEqual(before - 1000);
      expect(c.timestampMs).toBeLessThanOrEqual(after + 1000);
    }, testTimeout);

    it('values come back byte for byte whatever the bus compresses: large repetitive ones, random ones and tiny ones', async () => {
      const topic = await subject.topic(1);
      const repetitive = Buffer.from('node_cpu_seconds_total{cpu="0",mode="idle"} 12345.67\n'.repeat(400));
      // Deterministic noise that no codec shrinks.
      const random = Buffer.alloc(20_000);
      for (let i = 0, x = 0x9e3779b9; i < random.length; i++) random[i] = (x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0) >>> 24;
      const tiny = Buffer.from('t');
      await bus.produce(topic, [repetitive, random, tiny, repetitive].map((value) => ({ partition: 0, value })));
      const g = await collect({ group: group('codec'), topic });
      await waitUntil('4 records', () => g.records.length >= 4);
      expect(g.records.map((r) => r.offset)).toEqual([0, 1, 2, 3]);
      expect(g.records[0].value.equals(repetitive)).toBe(true);
      expect(g.records[1].value.equals(random)).toBe(true);
      expect(g.records[2].value.equals(tiny)).toBe(true);
      expect(g.records[3].value.equals(repetitive)).toBe(true);
    }, testTimeout);

    it('a new member of the group resumes at the committed offset: committed records are not redelivered, uncommitted ones are, and commits never go backwards', async () => {
      const topic = await subject.topic(1);
      const g1 = group('resume');
      await bus.produce(topic, values(10, 0));
      const first = await collect({ group: g1, topic }, async (b) => {
        const end = b.records[b.records.length - 1].offset + 1;
        if (end >= 6) {
          await b.commit(6);
          await b.commit(3); // ignored: commits never go backwards
        }
      });
      await waitUntil('10 records', () => first.records.length >= 10);
      await waitUntil('the commit', async () => (await bus.committedOffsets(g1, topic))[0].offset === 6);
      expect(await first.consumer.lag()).toEqual([{ partition: 0, committed: 6, high: 10, lag: 4, applied: 6, appliedLag: 4 }]);
      await first.consumer.stop();
      expect(await bus.committedOffsets(g1, topic)).toEqual([{ partition: 0, offset: 6 }]);
      expect(await bus.lag(g1, topic)).toEqual([{ partition: 0, committed: 6, high: 10, lag: 4, applied: 6, appliedLag: 4 }]);

      const second = await collect({ group: g1, topic });
      await waitUntil('4 redelivered records', () => second.records.length >= 4);
      expect(second.records[0].offset).toBe(6);
      await bus.produce(topic, values(1, 0, 10));
      await waitUntil('the new record', () => second.records.length >= 5);
      expect(second.records.map((r) => r.offset)).toEqual([6, 7, 8, 9, 10]);
      await waitUntil('the commit of everything', async () => (await bus.committedOffsets(g1, topic))[0].offset === 11);
      expect(await bus.lag(g1, topic)).toEqual([{ partition: 0, committed: 11, high: 11, lag: 0, applied: 11, appliedLag: 0 }]);
    }, testTimeout);

    it('a commit can report an applied offset beyond it: lag counts from each, a new member resumes at the committed one', async () => {
      const topic = await subject.topic(1);
      const g = group('applied');
      await bus.produce(topic, values(10, 0));
      const first = await collect({ group: g, topic }, async (b) => {
        const end = b.records[b.records.length - 1].offset + 1;
        if (end >= 8) await b.commit(2, 8);
      });
      await waitUntil('10 records', () => first.records.length >= 10);
      await waitUntil('the commit', async () => (await bus.lag(g, topic))[0].applied === 8);
      expect(await bus.lag(g, topic)).toEqual([{ partition: 0, committed: 2, high: 10, lag: 8, applied: 8, appliedLag: 2 }]);
      await first.consumer.stop();

      // Same committed offset, further applied offset: sent; then a commit at it leaves nothing beyond.
      const second = await collect({ group: g, topic }, async (b) => {
        const end = b.records[b.records.length - 1].offset + 1;
        if (end >= 10) {
          await b.commit(2, 10);
          if ((await bus.lag(g, topic))[0].applied === 10) await b.commit(10);
        }
      });
      await waitUntil('8 records from the committed offset', () => second.records.length >= 8);
      expect(second.records[0].offset).toBe(2);
      await waitUntil('the last commit', async () => (await bus.committedOffsets(g, topic))[0].offset === 10);
      expect(await bus.lag(g, topic)).toEqual([{ partition: 0, committed: 10, high: 10, lag: 0, applied: 10, appliedLag: 0 }]);
    }, testTimeout);

    it('a group that never committed has committed offset -1 and lag counted from the low watermark', async () => {
      const topic = await subject.topic(2);
      await bus.produce(topic, [...values(3, 0), ...values(1, 1)]);
      const g = group('never');
      expect(await bus.committedOffsets(g, topic)).toEqual([
        { partition: 0, offset: -1 },
        { partition: 1, offset: -1 },
      ]);
      expect(await bus.lag(g, topic)).toEqual([
        { partition: 0, committed: -1, high: 3, lag: 3, applied: -1, appliedLag: 3 },
        { partition: 1, committed: -1, high: 1, lag: 1, applied: -1, appliedLag: 1 },
      ]);
    });

    it('a member starting without committed offsets and fromBeginning false reads only new records', async () => {
      const topic = await subject.topic(1);
      await bus.produce(topic, values(3, 0));
      const g = await collect({ group: group('latest'), topic, fromBeginning: false });
      await bus.produce(topic, values(2, 0, 3, 'new'));
      await waitUntil('2 new records', () => g.records.length >= 2);
      expect(g.records.map((r) => r.offset)).toEqual([3, 4]);
    }, testTimeout);

    it('pause stops delivery from a partition while others go on, and resume continues it', async () => {
      const topic = await subject.topic(2);
      const g = await collect({ group: group('pause'), topic });
      expect(g.consumer.assignment()).toEqual([0, 1]);
      g.consumer.pause([0]);
      await bus.produce(topic, values(3, 0));
      await bus.produce(topic, values(3, 1));
      await waitUntil('partition 1 records', () => ofPartition(g.records, 1).length >= 3);
      expect(ofPartition(g.records, 0)).toEqual([]);
      g.consumer.resume([0]);
      await waitUntil('partition 0 records', () => ofPartition(g.records, 0).length >= 3);
      expect(ofPartition(g.records, 0).map((r) => r.offset)).toEqual([0, 1, 2]);
    }, testTimeout);

    it('seek moves a partition to an offset, to earliest and to latest', async () => {
      const topic = await subject.topic(1);
      await bus.produce(topic, values(5, 0));
      const g = await collect({ group: group('seek'), topic });
      await waitUntil('5 records', () => g.records.length >= 5);
      await g.consumer.seek(0, { offset: 2 });
      await waitUntil('3 records again', () => g.records.length >= 8);
      expect(g.records.slice(5).map((r) => r.offset)).toEqual([2, 3, 4]);
      await g.consumer.seek(0, 'earliest');
      await waitUntil('all 5 again', () => g.records.length >= 13);
      expect(g.records.slice(8).map((r) => r.offset)).toEqual([0, 1, 2, 3, 4]);
      await g.consumer.seek(0, 'latest');
      await bus.produce(topic, values(1, 0, 5));
      await waitUntil('the new record', () => g.records.length >= 14);
      expect(g.records.slice(13).map((r) => r.offset)).toEqual([5]);
    }, testTimeout);

    it('resetGroup moves committed offsets to earliest, latest or an offset, and a new member starts there', async () => {
      const topic = await subject.topic(2);
      await bus.produce(topic, [...values(4, 0), ...values(4, 1)]);
      const g = group('reset');
      await bus.resetGroup(g, topic, 'latest');
      expect(await bus.committedOffsets(g, topic)).toEqual([
        { partition: 0, offset: 4 },
        { partition: 1, offset: 4 },
      ]);
      await bus.resetGroup(g, topic, 'earliest');
      expect(await bus.committedOffsets(g, topic)).toEqual([
        { partition: 0, offset: 0 },
        { partition: 1, offset: 0 },
      ]);
      await bus.resetGroup(g, topic, { offset: 2 });
      expect(await bus.committedOffsets(g, topic)).toEqual([
        { partition: 0, offset: 2 },
        { partition: 1, offset: 2 },
      ]);
      const member = await collect({ group: g, topic });
      await waitUntil('4 records', () => member.records.length >= 4);
      expect(ofPartition(member.records, 0).map((r) => r.offset)).toEqual([2, 3]);
      expect(ofPartition(member.records, 1).map((r) => r.offset)).toEqual([2, 3]);
    }, testTimeout);

    it('calls onAssigned before a partition\'s first batch and onRevoked after its last, and stop is idempotent', async () => {
      const topic = await subject.topic(2);
      await bus.produce(topic, [...values(2, 0), ...values(2, 1)]);
      const events: string[] = [];
      const consumer = await bus.consume(
        {
          group: group('callbacks'),
          topic,
          onAssigned: (ps) => void events.push(...ps.map((p) => `assigned ${p}`)),
          onRevoked: (ps) => void events.push(...ps.map((p) => `revoked ${p}`)),
        },
        async (b) => {
          events.push(`batch ${b.partition}`);
          await b.commit();
        },
      );
      running.push(consumer);
      await consumer.ready;
      await waitUntil('batches of both partitions', () => events.includes('batch 0') && events.includes('batch 1'));
      await Promise.all([consumer.stop(), consumer.stop()]);
      await consumer.stop();
      for (const p of [0, 1]) {
        const mine = events.filter((e) => e.endsWith(` ${p}`));
        expect(mine[0]).toBe(`assigned ${p}`);
        expect(mine[mine.length - 1]).toBe(`revoked ${p}`);
        expect(mine.filter((e) => e.startsWith('assigned'))).toHaveLength(1);
        expect(mine.filter((e) => e.startsWith('revoked'))).toHaveLength(1);
      }
      const handled = events.filter((e) => e.startsWith('batch')).length;
      // Records produced after stop reach a new group but not the stopped member.
      await bus.produce(topic, values(2, 0, 2, 'late'));
      const other = await collect({ group: group('after-stop'), topic });
      await waitUntil('6 records in the other group', () => other.records.length >= 6);
      expect(events.filter((e) => e.startsWith('batch')).length).toBe(handled);
    }, testTimeout);

    if (caps.timestampLookup) {
      it('finds offsets by record timestamp for offsetsForTimestamp, seek and resetGroup', async () => {
        const topic = await subject.topic(2);
        await bus.produce(topic, [
          { partition: 0, value: Buffer.from('a'), timestampMs: 1000 },
          { partition: 0, value: Buffer.from('b'), timestampMs: 2000 },
          { partition: 0, value: Buffer.from('c'), timestampMs: 3000 },
          { partition: 1, value: Buffer.from('d'), timestampMs: 1500 },
        ]);
        expect(await bus.offsetsForTimestamp(topic, 0)).toEqual([
          { partition: 0, offset: 0 },
          { partition: 1, offset: 0 },
        ]);
        expect(await bus.offsetsForTimestamp(topic, 2000)).toEqual([
          { partition: 0, offset: 1 },
          { partition: 1, offset: 1 },
        ]);
        expect(await bus.offsetsForTimestamp(topic, 2500)).toEqual([
          { partition: 0, offset: 2 },
          { partition: 1, offset: 1 },
        ]);
        expect(await bus.offsetsForTimestamp(topic, 9999)).toEqual([
          { partition: 0, offset: 3 },
          { partition: 1, offset: 1 },
        ]);
        const g = group('by-time');
        await bus.resetGroup(g, topic, { timestampMs: 1200 });
        expect(await bus.committedOffsets(g, topic)).toEqual([
          { partition: 0, offset: 1 },
          { partition: 1, offset: 0 },
        ]);
        const member = await collect({ group: g, topic });
        await waitUntil('3 records', () => member.records.length >= 3);
        await member.consumer.seek(0, { timestampMs: 3000 });
        await waitUntil('the record at 3000 again', () => member.records.length >= 4);
        expect(member.records[3].value.toString()).toBe('c');
        expect(member.records[3].offset).toBe(2);
      }, testTimeout);
    } else {
      it('offsetsForTimestamp answers one offset per partition within the watermarks', async () => {
        const topic = await subject.topic(2);
        await bus.produce(topic, [...values(3, 0), ...values(1, 1)]);
        const found = await bus.offsetsForTimestamp(topic, Date.now() - 60_000);
        const offsets = await bus.offsets(topic);
        expect(found.map((f) => f.partition)).toEqual([0, 1]);
        for (const f of found) {
          expect(f.offset).toBeGreaterThanOrEqual(offsets[f.partition].low);
          expect(f.offset).toBeLessThanOrEqual(offsets[f.partition].high);
        }
      });
    }

    if (caps.multipleMembers) {
      it('two members of one group split the partitions and together get each record once', async () => {
        const topic = await subject.topic(4);
        const g = group('split');
        const a = await collect({ group: g, topic });
        const b = await collect({ group: g, topic });
        await waitUntil('disjoint assignments covering every partition', () => {
          const pa = a.consumer.assignment();
          const pb = b.consumer.assignment();
          return pa.length > 0 && pb.length > 0 && [...pa, ...pb].sort().join() === '0,1,2,3';
        });
        const pa = a.consumer.assignment();
        const pb = b.consumer.assignment();
        await bus.produce(topic, [0, 1, 2, 3].flatMap((p) => values(5, p)));
        await waitUntil('20 records', () => a.records.length + b.records.length >= 20);
        expect(new Set(a.records.map((r) => r.partition))).toEqual(new Set(pa));
        expect(new Set(b.records.map((r) => r.partition))).toEqual(new Set(pb));
        const all = [...a.records, ...b.records].map((r) => `${r.partition}:${r.offset}`).sort();
        expect(all).toEqual([0, 1, 2, 3].flatMap((p) => [0, 1, 2, 3, 4].map((o) => `${p}:${o}`)).sort());
        // When one leaves, the other takes over its partitions from the committed offsets.
        await b.consumer.stop();
        await waitUntil('the remaining member to hold all partitions', () => a.consumer.assignment().length === 4);
        await bus.produce(topic, [0, 1, 2, 3].map((p) => ({ partition: p, value: Buffer.from(`after-${p}`) })));
        await waitUntil('4 more records', () => a.records.filter((r) => r.value.toString().startsWith('after-')).length >= 4);
        const after = a.records.filter((r) => pb.includes(r.partition) && r.offset < 5);
        expect(after.filter((r) => pb.includes(r.partition))).toEqual([]);
      }, testTimeout);
    }
  });
}
