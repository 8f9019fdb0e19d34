import { connect, type NatsConnection } from 'nats';
import type { Registry } from 'prom-client';
import type { SampleSink } from '../../schemas/sample-sink.js';
import { defaultNatsConfig, type NatsConfig } from './config.js';
import { NatsSetupError } from './errors.js';
import { NatsBridge } from './nats-bridge.js';
import { NatsSampleSink } from './nats-sample-sink.js';
import { NatsMetrics } from './metrics.js';

export interface NatsSettings {
  readonly sink: SampleSink;
  readonly registry: Registry;
  /** A shared connection; when absent one is opened to `servers` (or `defaultServers`) and closed on stop. */
  readonly connection?: NatsConnection;
  /** The root config's `nats.servers`. */
  readonly defaultServers?: string[];
  readonly logger?: { warn(obj: object, msg: string): void };
}

export interface NatsConnector {
  /** No HTTP routes: the bridge reads subjects. */
  readonly routes: [];
  start(): Promise<void>;
  stop(): Promise<void>;
  ready(): Promise<void>;
}

export const natsFactory = {
  type: 'nats',
  defaultConfig: defaultNatsConfig,
  create: createNatsConnector,
};

async function open(settings: Pick<NatsSettings, 'connection' | 'defaultServers'>, servers: string[] | undefined) {
  if (settings.connection !== undefined) return { nc: settings.connection, owned: false };
  const list = servers ?? settings.defaultServers;
  if (list === undefined) throw new NatsSetupError('no NATS servers: set nats.servers');
  try {
    return { nc: await connect({ servers: list, name: 'tidemark', maxReconnectAttempts: -1 }), owned: true };
  } catch (cause) {
    throw new NatsSetupError(`connecting to ${list.join(',')}: ${(cause as Error).message}`, { cause });
  }
}

/** The bridge (inputs) as a connector: subjects into the sink. */
/** The NATS bridge; `config` is already validated (`natsConfigSchema.parse`, once, at the edge). */
export function createNatsConnector(settings: NatsSettings, config: NatsConfig = defaultNatsConfig()): NatsConnector {
  let bridge: NatsBridge | undefined;
  let conn: { nc: NatsConnection; owned: boolean } | undefined;
  let starting: Promise<void> | undefined;
  let stopped = false;
  const start = (): Promise<void> =>
    (starting ??= (async () => {
      if (config.inputs.length === 0) return;
      conn = await open(settings, config.servers);
      bridge = new NatsBridge({ sink: settings.sink, registry: settings.registry, connection: conn.nc, logger: settings.logger }, config);
      await bridge.start();
    })());
  return {
    routes: [],
    start,
    ready: start,
    async stop() {
      if (stopped) return;
      stopped = true;
      await starting?.catch(() => undefined);
      await bridge?.stop();
      if (conn?.owned) await conn.nc.drain().catch(() => conn?.nc.close());
    },
  };
}

/**
 * Output mode: a SampleSink that publishes to NATS (for `tidemark ingest` at the edge, in place
 * of the bus sink). `close()` drains the connection it opened.
 */
export async function createNatsOutputSink(
  settings: Pick<NatsSettings, 'registry' | 'connection' | 'defaultServers'> & { readonly source: string },
  config: NatsConfig,
): Promise<{ sink: NatsSampleSink; close(): Promise<void> }> {
  if (config.output === undefined) throw new NatsSetupError('nats.output is not configured');
  const conn = await open(settings, config.servers);
  const sink = new NatsSampleSink({ connection: conn.nc, config: config.output, source: settings.source, metrics: new NatsMetrics(settings.registry) });
  await sink.ensureStream();
  return {
    sink,
    close: async () => {
      if (conn.owned) await conn.nc.drain().catch(() => conn.nc.close());
    },
  };
}
