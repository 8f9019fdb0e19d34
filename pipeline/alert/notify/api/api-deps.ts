import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Clock } from '../clock.js';
import type { Dispatcher } from '../dispatcher.js';
import type { NotifyMetrics } from '../metrics.js';
import type { NotifyStateStore } from '../notify-state-store.js';

export type ApiHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

export interface ApiRoute {
  readonly methods: string[];
  /** Exact path, or a prefix ending in `/*`. */
  readonly path: string;
  readonly handler: ApiHandler;
}

/** What the v2 API handlers work on. */
export interface ApiDeps {
  readonly dispatcher: Dispatcher;
  readonly store: NotifyStateStore;
  readonly clock: Clock;
  readonly metrics: NotifyMetrics;
  readonly startedAt: number;
  readonly version: string;
  /** This replica's name among its peers. */
  readonly replicaName: string;
  /** The tenant of the request in progress (undefined: no tenant, the main configuration). */
  readonly currentTenant: () => string | undefined;
}
