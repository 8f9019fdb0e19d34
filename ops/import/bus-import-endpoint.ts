import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Backpressure } from '../../connectors/http-edge/index.js';
import { createImportConnector } from '../../connectors/import/index.js';
import { createRemoteWriteConnector } from '../../connectors/remote-write/index.js';
import type { Bus } from '../../pipeline/bus/bus.js';
import { BusSampleSink, type BusSampleSinkSettings } from '../../pipeline/publish/index.js';
import type { TidemarkConfig } from '../config/index.js';
import { HttpRouter } from '../server/http-router.js';
import { HttpServer } from '../server/http-server.js';

/** The import endpoints of `tidemark ingest`, served by the importing process itself on loopback. */
export interface BusImportEndpoint {
  /** `http://127.0.0.1:PORT`, what the import sends its batches to. */
  readonly url: string;
  /** Ends the producer watermarks and closes the listener (the bus stays open: the caller owns it). */
  close(): Promise<void>;
}

/**
 * `tidemark import --kafka`: the ingest role's import connector (the same parsing, edge limits,
 * Avro sample batches and series-hash partitioning as `/api/v1/import` of a running ingest),
 * writing to the samples topic of `bus`, on a loopback port of this process. The import then
 * sends its batches there as it sends them to a remote `--url`, so batching, `--rate`, bad-line
 * handling, progress and the resumable state work unchanged; its `tidemark_import_*` metrics
 * land in `registry`.
 */
export async function startBusImportEndpoint(opts: {
  bus: Bus;
  config: TidemarkConfig;
  registry: Registry;
  log: Logger;
  /** The producer watermarks of `bus.watermarks`, as the ingest role's sink has them. */
  watermarks: BusSampleSinkSettings['watermarks'];
  /** `ingest.max_store_lag`, as the ingest role's endpoints have it: 429 while the stores lag. */
  backpressure?: Backpressure;
}): Promise<BusImportEndpoint> {
  const { bus, config } = opts;
  const topic = config.bus.topics.samples;
  // The topic's actual partition count decides where a series goes, as for every producer.
  const partitions = await bus.ensureTopic(topic, config.bus.partitions);
  const sink = new BusSampleSink({
    bus,
    topic,
    partitions,
    source: `import/${hostname()}`,
    watermarks: opts.watermarks,
  });
  const connector = createImportConnector({ sink, registry: opts.registry, backpressure: opts.backpressure }, config.ingest.import);
  // Native histograms of a remote-read source or a block are sent as remote write requests.
  const remoteWrite = createRemoteWriteConnector({ sink, registry: opts.registry, backpressure: opts.backpressure }, config.ingest.remote_write);
  const router = new HttpRouter();
  for (const r of [...connector.routes, ...remoteWrite.routes]) router.add(r.methods, r.path, r.handler);
  const server = new HttpServer(router, opts.log);
  let addr;
  try {
    await connector.start();
    await remoteWrite.start();
    addr = await server.listen({ host: '127.0.0.1', port: 0 });
  } catch (err) {
    await remoteWrite.stop();
    await connector.stop();
    await sink.close();
    throw err;
  }
  return {
    url: `http://127.0.0.1:${addr.port}`,
    async close() {
      await server.close();
      await remoteWrite.stop();
      await connector.stop();
      await sink.close();
    },
  };
}
