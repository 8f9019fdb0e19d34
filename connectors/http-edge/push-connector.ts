import type { HttpHandler } from './push-edge.js';

/** A route a push connector serves; the role mounts it on its HTTP server (`/*` ends a prefix). */
export interface ConnectorRoute {
  readonly methods: string[];
  readonly path: string;
  readonly handler: HttpHandler;
}

/** What a push connector factory gives the role: its routes and its lifecycle. */
export interface PushConnector {
  readonly routes: ConnectorRoute[];
  start(): Promise<void>;
  /** Idempotent, safe without start. */
  stop(): Promise<void>;
}
