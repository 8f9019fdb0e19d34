import type { ProducedRecord, ProduceRecord } from '../bus.js';

/** One topic's messages in kafkajs' shape. */
export interface TopicSend {
  readonly topic: string;
  readonly messages: Array<{
    partition: number;
    value: Buffer;
    key: Buffer | null;
    timestamp: string;
    headers: Record<string, Buffer> | undefined;
  }>;
}

/** Per topic-partition first offset assigned by the broker for one send. */
export interface SendResult {
  readonly topicName: string;
  readonly partition: number;
  readonly baseOffset?: string;
}

interface Pending {
  readonly topic: string;
  readonly records: readonly ProduceRecord[];
  readonly resolve: (r: ProducedRecord[]) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * Merges the produce calls of one event-loop turn into a single multi-topic send: the broker gets
 * one batch per partition instead of one per call, which is what makes Kafka (and the mock, which
 * serves one producer batch per partition per fetch) fast. Every call still resolves only after
 * its own records are acknowledged, and learns their offsets.
 */
export class ProduceCoalescer {
  private pending: Pending[] = [];
  private scheduled = false;

  constructor(
    private readonly send: (topics: TopicSend[]) => Promise<SendResult[]>,
    private readonly onError: (err: unknown, topics: string[]) => unknown,
  ) {}

  produce(topic: string, records: readonly ProduceRecord[]): Promise<ProducedRecord[]> {
    if (records.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.pending.push({ topic, records, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const calls = this.pending;
    this.pending = [];
    this.scheduled = false;

    // kafkajs keys a send by topic, so calls on the same topic must share one entry.
    const byTopic = new Map<string, TopicSend>();
    // For each call, each record's position within its topic-partition in this send.
    const positions: Int32Array[] = [];
    const counts = new Map<string, number>();
    const now = String(Date.now());
    for (const call of calls) {
      let entry = byTopic.get(call.topic);
      if (!entry) {
        entry = { topic: call.topic, messages: [] };
        byTopic.set(call.topic, entry);
      }
      const pos = new Int32Array(call.records.length);
      for (let i = 0; i < call.records.length; i++) {
        const r = call.records[i];
        const k = `${call.topic}\0${r.partition}`;
        const n = counts.get(k) ?? 0;
        counts.set(k, n + 1);
        pos[i] = n;
        entry.messages.push({
          partition: r.partition,
          value: r.value,
          key: r.key ?? null,
          timestamp: r.timestampMs === undefined ? now : String(r.timestampMs),
          headers: r.headers as Record<string, Buffer> | undefined,
        });
      }
      positions.push(pos);
    }

    this.send([...byTopic.values()]).then(
      (results) => {
        const base = new Map<string, number>();
        for (const r of results) base.set(`${r.topicName}\0${r.partition}`, Number(r.baseOffset));
        calls.forEach((call, ci) => {
          const pos = positions[ci];
          const out: ProducedRecord[] = new Array(call.records.length);
          for (let i = 0; i < call.records.length; i++) {
            const p = call.records[i].partition;
            const b = base.get(`${call.topic}\0${p}`);
            if (b === undefined || !Number.isFinite(b)) {
              const missing = new Error(`broker acknowledged no offset for partition ${p}`);
              call.reject(this.onError(missing, [call.topic]));
              return;
            }
            out[i] = { partition: p, offset: b + pos[i] };
          }
          call.resolve(out);
        });
      },
      (err: unknown) => {
        const wrapped = this.onError(err, [...byTopic.keys()]);
        for (const call of calls) call.reject(wrapped);
      },
    );
  }
}
