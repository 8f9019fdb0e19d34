import { BusSampleSink } from '../../pipeline/publish/index.js';
import type { Appender, SampleSink } from '../../schemas/sample-sink.js';
import type { TidemarkConfig } from '../config/index.js';
import type { BusService } from './bus-service.js';

/**
 * The samples sink of a role, built on first use: connectors are constructed before the bus
 * service has opened the bus, and only append once they run.
 */
export class DeferredBusSink implements SampleSink {
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
    });
    return this.sink.appender();
  }
}
