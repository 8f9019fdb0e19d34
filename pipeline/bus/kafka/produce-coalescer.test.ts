import { describe, expect, it } from 'vitest';
import { ProduceCoalescer, type SendResult, type TopicSend } from './produce-coalescer.js';

/** A broker stand-in that records each send and assigns offsets per partition like Kafka does. */
function recordingBroker() {
  const sends: TopicSend[][] = [];
  const next = new Map<string, number>();
  const send = async (topics: TopicSend[]): Promise<SendResult[]> => {
    sends.push(topics);
    const out: SendResult[] = [];
    for (const t of topics) {
      const counts = new Map<number, number>();
      for (const m of t.messages) counts.set(m.partition, (counts.get(m.partition) ?? 0) + 1);
      for (const [partition, n] of counts) {
        const k = `${t.topic}/${partition}`;
        const base = next.get(k) ?? 100;
        next.set(k, base + n);
        out.push({ topicName: t.topic, partition, baseOffset: String(base) });
      }
    }
    return out;
  };
  return { sends, send };
}

const rec = (partition: number, v: string) => ({ partition, value: Buffer.from(v) });

describe('ProduceCoalescer', () => {
  it('merges the calls of one event-loop turn into one send and gives each call its own offsets', async () => {
    const broker = recordingBroker();
    const c = new ProduceCoalescer(broker.send, (e) => e);
    const [a, b, other] = await Promise.all([
      c.produce('t', [rec(0, 'a0'), rec(1, 'a1'), rec(0, 'a2')]),
      c.produce('t', [rec(0, 'b0')]),
      c.produce('u', [rec(0, 'u0')]),
    ]);
    expect(broker.sends).toHaveLength(1);
    expect(broker.sends[0].map((t) => t.topic)).toEqual(['t', 'u']);
    expect(broker.sends[0][0].messages.map((m) => m.value.toString())).toEqual(['a0', 'a1', 'a2', 'b0']);
    expect(a).toEqual([
      { partition: 0, offset: 100 },
      { partition: 1, offset: 100 },
      { partition: 0, offset: 101 },
    ]);
    expect(b).toEqual([{ partition: 0, offset: 102 }]);
    expect(other).toEqual([{ partition: 0, offset: 100 }]);

    const later = await c.produce('t', [rec(0, 'c0')]);
    expect(broker.sends).toHaveLength(2);
    expect(later).toEqual([{ partition: 0, offset: 103 }]);
  });

  it('rejects every call of a failed send with the mapped error', async () => {
    const boom = new Error('broker down');
    const c = new ProduceCoalescer(async () => { throw boom; }, (e, topics) => new Error(`${topics.join(',')}: ${(e as Error).message}`));
    const results = await Promise.allSettled([c.produce('t', [rec(0, 'x')]), c.produce('u', [rec(0, 'y')])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason.message).toBe('t,u: broker down');
  });

  it('rejects a call whose partition the broker did not acknowledge instead of inventing an offset', async () => {
    const c = new ProduceCoalescer(async () => [], (e) => e);
    await expect(c.produce('t', [rec(2, 'x')])).rejects.toThrow(/no offset for partition 2/);
  });

  it('sends nothing for an empty call', async () => {
    const broker = recordingBroker();
    const c = new ProduceCoalescer(broker.send, (e) => e);
    expect(await c.produce('t', [])).toEqual([]);
    expect(broker.sends).toHaveLength(0);
  });
});
