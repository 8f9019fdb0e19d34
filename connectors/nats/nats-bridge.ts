import {
  AckPolicy,
  DeliverPolicy,
  headers as natsHeaders,
  nanos,
  StorageType,
  type ConsumerMessages,
  type JsMsg,
  type Msg,
  type NatsConnection,
  type Subscription,
} from 'nats';
import type { Registry } from 'prom-client';
import { appendUnit, type SampleSink } from '../../schemas/sample-sink.js';
import type { NatsConfig, NatsInputConfig } from './config.js';
import { NatsMessageError, NatsSetupError } from './errors.js';
import { MessageDecoder, type InboundMessage } from './message-decoder.js';
import { NatsMetrics } from './metrics.js';

export interface NatsBridgeSettings {
  readonly sink: SampleSink;
  readonly registry: Registry;
  /** An open connection; the bridge does not close it. */
  readonly connection: NatsConnection;
  readonly logger?: { warn(obj: object, msg: string): void };
}

/** Headers on a dead letter. */
export const DEAD_LETTER_REASON_HEADER = 'Tidemark-Dead-Letter-Reason';
export const DEAD_LETTER_SUBJECT_HEADER = 'Tidemark-Original-Subject';

type Pending = { inbound: InboundMessage; js?: JsMsg };

const NAK_DELAY_MS = 1000;

/**
 * Bridges NATS subjects into the sink. Per input, messages are decoded in batches (as many as are
 * waiting, up to batch_size), committed to the sink in one appender, and only then acknowledged:
 * with a JetStream durable consumer nothing is lost across restarts or sink outages (unacked
 * messages are redelivered; the store deduplicates a replayed sample). Undecodable messages are
 * published to the dead-letter subject with the reason and acknowledged, and the bridge goes on.
 */
export class NatsBridge {
  readonly metrics: NatsMetrics;
  private readonly loops: Promise<void>[] = [];
  private readonly subs: Subscription[] = [];
  private readonly iters: ConsumerMessages[] = [];
  private started: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly settings: NatsBridgeSettings,
    private readonly config: NatsConfig,
  ) {
    this.metrics = new NatsMetrics(settings.registry);
  }

  /** Sets up every input (streams and durables as configured); resolves once all consume. */
  start(): Promise<void> {
    this.started ??= (async () => {
      for (const input of this.config.inputs) {
        if (input.jetstream === undefined) this.startCore(input);
        else await this.startJetStream(input);
      }
    })();
    return this.started;
  }

  ready(): Promise<void> {
    return this.start();
  }

  /** Stops consuming and waits for the batch in flight. Idempotent, safe without start. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.started?.catch(() => undefined);
    for (const s of this.subs) s.unsubscribe();
    for (const it of this.iters) it.stop();
    await Promise.allSettled(this.loops);
  }

  private startCore(input: NatsInputConfig): void {
    const sub = this.settings.connection.subscribe(input.subject, input.queue_group === undefined ? {} : { queue: input.queue_group });
    this.subs.push(sub);
    const decoder = new MessageDecoder(input);
    this.loops.push(
      this.drain(sub, input, decoder, (m: Msg) => ({ inbound: { subject: m.subject, data: m.data, headers: m.headers, timeMs: Date.now() } }), 256),
    );
  }

  private async startJetStream(input: NatsInputConfig): Promise<void> {
    const jsCfg = input.jetstream as NonNullable<NatsInputConfig['jetstream']>;
    const nc = this.settings.connection;
    try {
      const jsm = await nc.jetstreamManager();
      try {
        await jsm.streams.info(jsCfg.stream);
      } catch (err) {
        if (!jsCfg.create_stream) throw err;
        await jsm.streams.add({ name: jsCfg.stream, subjects: [input.subject], storage: StorageType.File });
      }
      try {
        await jsm.consumers.info(jsCfg.stream, jsCfg.durable);
      } catch {
        await jsm.consumers.add(jsCfg.stream, {
          durable_name: jsCfg.durable,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          filter_subject: input.subject,
          ack_wait: nanos(jsCfg.ack_wait),
          max_deliver: jsCfg.max_deliver,
        });
      }
    } catch (cause) {
      throw new NatsSetupError(`JetStream input ${jsCfg.stream}/${jsCfg.durable} on ${input.subject}: ${(cause as Error).message}`, { cause });
    }
    const consumer = await nc.jetstream().consumers.get(jsCfg.stream, jsCfg.durable);
    const iter = await consumer.consume({ max_messages: jsCfg.batch_size * 2 });
    this.iters.push(iter);
    const decoder = new MessageDecoder(input);
    this.loops.push(
      this.drain(
        iter,
        input,
        decoder,
        (m: JsMsg) => ({ inbound: { subject: m.subject, data: m.data, headers: m.headers, timeMs: Math.floor(m.info.timestampNanos / 1e6) }, js: m }),
        jsCfg.batch_size,
      ),
    );
  }

  /**
   * Reads an iterator into batches: a batch is flushed when full (the loop then waits for it,
   * which is the backpressure) or once the messages already received are taken (setImmediate
   * runs after the iterator handed over everything that arrived). Flushes run one at a time.
   */
  private async drain<M>(iter: AsyncIterable<M>, input: NatsInputConfig, decoder: MessageDecoder, wrap: (m: M) => Pending, batchSize: number): Promise<void> {
    let buf: Pending[] = [];
    let flushing: Promise<void> = Promise.resolve();
    let scheduled = false;
    const take = (): Promise<void> => {
      const batch = buf;
      buf = [];
      flushing = flushing
        .then(() => (batch.length > 0 ? this.flush(batch, input, decoder) : undefined))
        .catch((err) => {
          // Unacked JetStream messages are redelivered after ack_wait; the loop goes on.
          this.metrics.errors.inc({ type: (err as Error)?.name ?? 'unknown', stage: 'flush' });
          this.settings.logger?.warn({ err, subject: input.subject }, 'nats bridge: a batch failed');
        });
      return flushing;
    };
    try {
      for await (const m of iter) {
        buf.push(wrap(m));
        if (buf.length >= batchSize) await take();
        else if (!scheduled) {
          scheduled = true;
          setImmediate(() => {
            scheduled = false;
            void take();
          });
        }
        if (this.stopped) break;
      }
    } catch (err) {
      if (!this.stopped) {
        this.metrics.errors.inc({ type: (err as Error)?.name ?? 'unknown', stage: 'consume' });
        this.settings.logger?.warn({ err, subject: input.subject }, 'nats bridge: consuming stopped');
      }
    }
    await take();
  }

  private async flush(batch: Pending[], input: NatsInputConfig, decoder: MessageDecoder): Promise<void> {
    const good: Pending[] = [];
    let samples = 0;
    this.metrics.messages.inc({ subject: input.subject }, batch.length);
    try {
      await appendUnit(this.settings.sink, async (app) => {
        for (const p of batch) {
          let decoded;
          try {
            decoded = decoder.decode(p.inbound);
          } catch (err) {
            await this.deadLetter(p, input, err);
            continue;
          }
          if (app.appendHistogram === undefined && decoded.some((s) => s.h !== undefined)) {
            await this.deadLetter(p, input, new NatsMessageError('native histograms are not carried by this sink', 'histograms_unsupported', p.inbound.subject));
            continue;
          }
          for (const s of decoded) {
            if (s.h !== undefined) app.appendHistogram!(s.labels, s.t, s.h, s.st === undefined ? undefined : { startTimestamp: s.st });
            else app.append(s.labels, s.t, s.v, s.stale || s.st !== undefined ? { stale: s.stale, startTimestamp: s.st } : undefined);
          }
          samples += decoded.length;
          good.push(p);
        }
      });
    } catch (err) {
      // Not stored: JetStream redelivers what is not acked; core messages are lost (at most once).
      this.metrics.errors.inc({ type: (err as Error)?.name ?? 'unknown', stage: 'commit' });
      this.settings.logger?.warn({ err, subject: input.subject }, 'nats bridge: the sink did not acknowledge; messages will be redelivered');
      for (const p of good) p.js?.nak(NAK_DELAY_MS);
      return;
    }
    for (const p of good) p.js?.ack();
    this.metrics.samples.inc({ subject: input.subject }, samples);
  }

  private async deadLetter(p: Pending, input: NatsInputConfig, err: unknown): Promise<void> {
    const reason = err instanceof NatsMessageError ? err.reason : 'internal';
    const message = err instanceof Error ? err.message : String(err);
    const h = natsHeaders();
    h.set(DEAD_LETTER_REASON_HEADER, `${reason}: ${message}`.replace(/[\r\n]+/g, ' ').slice(0, 4000));
    h.set(DEAD_LETTER_SUBJECT_HEADER, p.inbound.subject);
    if (p.js !== undefined) h.set('Tidemark-Stream-Sequence', String(p.js.seq));
    try {
      this.settings.connection.publish(this.config.dead_letter_subject, p.inbound.data, { headers: h });
      await this.settings.connection.flush();
      this.metrics.deadLetters.inc({ subject: input.subject, reason });
      p.js?.ack();
    } catch (e) {
      this.metrics.errors.inc({ type: (e as Error)?.name ?? 'unknown', stage: 'dead_letter' });
      p.js?.nak(NAK_DELAY_MS);
    }
  }
}
