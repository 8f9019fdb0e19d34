import { BusSampleSink } from '../../pipeline/publish/index.js';
import type { Appender, SampleSink } from '../../schemas/sample-sink.js';
import type { TidemarkConfig } from '../config/index.js';
import type { Service } from '../server/service.js';
import type { BusService } from './bus-service.js';

/**
 * The samples sink of a role, built on first use: connectors are constructed before the bus
 * service has opened the bus, and only append once they run. As a service (started after the
 * bus, so stopped after the connectors) its stop ends the producer watermarks with an idle record.
 */
export class DeferredBusSink implements SampleSink, Service {
  readonly name = 'samples-sink';
  private sink: BusSampleSink | undefined;

  constructor(
    private readonly bus: BusService,
    private readonly cfg: TidemarkConfig,
    private readonly source: string,
  ) {}

  appender(): Appender {
    this.sink ??= new BusSampleSink({
      bus: this.bus.bus,
      topic: this.cfg.bus.topics.samples,
      partitions: this.cfg.bus.partitions,
      source: this.source,
      watermarks: watermarksOf(this.cfg, this.bus.log),
    });
    return this.sink.appender();
  }

  async start(): Promise<void> {}

  ready(): boolean {
    return true;
  }

  async stop(): Promise<void> {
    await this.sink?.close();
  }
}

/** The producer watermark settings of `bus.watermarks` (undefined when turned off). */
export function watermarksOf(cfg: TidemarkConfig, log: { warn(obj: object, msg: string): void }) {
  const w = cfg.bus.watermarks;
  if (!w.enabled) return undefined;
  return { periodMs: w.period_ms, lagMs: w.lag_ms, maxHoldMs: w.max_hold_ms, onError: (err: Error) => log.warn({ err }, 'producer watermark not written; the next one retries') };
}
