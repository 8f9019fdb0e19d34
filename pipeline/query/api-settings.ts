import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Labels } from '../../schemas/labels.js';
import type { LabelStats, LabelStatsRequest, Queryable } from '../tsdb/index.js';
import type { ExemplarReader } from './exemplar-storage.js';
import type { MetadataReader } from './metadata-catalog.js';
import { queryConfigSchema, type QueryConfig } from './config.js';
import { toApiError, writeError } from './api-response.js';

export type QueryHttpHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

export interface QueryRoute {
  readonly methods: string[];
  /** Exact path, or a prefix ending in `/*`. */
  readonly path: string;
  readonly handler: QueryHttpHandler;
}

/** Label statistics of whatever the API reads, with warnings for parts that could not be read. */
export type LabelStatsSource = (req: LabelStatsRequest) => Promise<{ readonly stats: LabelStats; readonly warnings: readonly string[] }>;

/** What code injects into the query API. */
export interface QueryApiSettings {
  /** The storage every query reads (a Tsdb, the fan-out over shards, ...). */
  readonly queryable: Queryable;
  /** User configuration (the `query` section); defaults fill what is missing. */
  readonly config?: Partial<QueryConfig>;
  /** Clock for the default query time and `/federate`; Date.now by default. */
  readonly now?: () => number;
  /** Added to `/federate` output and remote-read series that lack them (Prometheus external_labels). */
  readonly externalLabels?: Labels;
  readonly version?: string;
  readonly revision?: string;
  /** Command-line flags for `/api/v1/status/flags`. */
  readonly flags?: Readonly<Record<string, string>>;
  /** Metric metadata: serves `/api/v1/metadata` and `/api/v1/targets/metadata` (roles mount them with metadataRoutes). */
  readonly metadata?: MetadataReader;
  /** Exemplars for `/api/v1/query_exemplars`; none = empty answers. */
  readonly exemplars?: ExemplarReader;
  /** Retention as text for `/api/v1/status/runtimeinfo`. */
  readonly storageRetention?: string;
  /** The role's configuration state for `runtimeinfo`; a successful load at start when absent. */
  readonly configStatus?: () => { readonly lastReloadSuccessful: boolean; readonly lastSuccessMs: number };
  /** Label statistics for `/api/v1/status/tsdb`; the endpoint is absent without it. */
  readonly labelStats?: LabelStatsSource;
}

/** Settings resolved once per API instance. */
export interface ApiContext {
  readonly settings: QueryApiSettings;
  readonly config: QueryConfig;
  readonly now: () => number;
  readonly startTime: number;
}

export function apiContext(settings: QueryApiSettings): ApiContext {
  return {
    settings,
    config: queryConfigSchema.parse(settings.config ?? {}),
    now: settings.now ?? Date.now,
    startTime: Date.now(),
  };
}

/** Runs a JSON API handler, answering any error in Prometheus' error envelope. */
export function jsonHandler(fn: QueryHttpHandler): QueryHttpHandler {
  return async (req, res, url) => {
    try {
      await fn(req, res, url);
    } catch (err) {
      writeError(res, toApiError(err));
    }
  };
}
