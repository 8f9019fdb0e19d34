import { defaultPushgatewayConfig, type PushgatewayConfig } from './config.js';
import { Pushgateway, type PushgatewayRoute, type PushgatewaySettings } from './pushgateway.js';

export interface PushgatewayConnector {
  readonly routes: PushgatewayRoute[];
  start(): Promise<void>;
  /** Idempotent, safe without start; writes the persistence file. */
  stop(): Promise<void>;
  /** Resolves once the persisted groups are loaded. */
  ready(): Promise<void>;
  /** The Pushgateway's exposition, for a root that serves it under its own `/metrics`. */
  exposition(): string;
  /** The underlying connector (store, tick), for tests and the composition root. */
  readonly pushgateway: Pushgateway;
}

export const pushgatewayFactory = {
  type: 'pushgateway',
  defaultConfig: defaultPushgatewayConfig,
  create: createPushgatewayConnector,
};

/** The Pushgateway API connector; `config` is already validated (`pushgatewayConfigSchema.parse`, once, at the edge). */
export function createPushgatewayConnector(settings: PushgatewaySettings, config: PushgatewayConfig = defaultPushgatewayConfig()): PushgatewayConnector {
  const pg = new Pushgateway(settings, config);
  return {
    routes: pg.routes,
    start: () => pg.start(),
    stop: () => pg.stop(),
    ready: () => pg.ready(),
    exposition: () => pg.exposition(),
    pushgateway: pg,
  };
}
