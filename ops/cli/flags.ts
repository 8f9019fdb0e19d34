import { parseArgs } from 'node:util';

/** Flags every role takes. */
export interface CommonFlags {
  readonly config?: string;
  readonly listen: string;
  readonly data: string;
  readonly kafka?: string;
  readonly redis?: string;
  readonly nats?: string;
  readonly logLevel: string;
  /** ingest: this replica's share of the scrape targets, `i/n`. */
  readonly shard?: string;
  /** store: the HOST:PORT query roles reach this store at (`store.advertise_address`). */
  readonly advertiseAddress?: string;
  /** `--web.config.file`: TLS and basic auth for the listener (exporter-toolkit format). */
  readonly webConfigFile?: string;
  /** `--web.enable-admin-api`: the TSDB admin endpoints (`/api/v1/admin/tsdb/*`) answer. */
  readonly enableAdminApi?: boolean;
  /** `--rebuild`: store, up: shards to move aside and rebuild from the bus (`all` or partitions). */
  readonly rebuild?: string;
  /** `--rebuild-force`: rebuild even where the log no longer reaches a shard's first record. */
  readonly rebuildForce?: boolean;
}

export const COMMON_FLAG_HELP = `Common flags:
  --config FILE        tidemark.yml (a superset of prometheus.yml); embedded defaults when absent
  --listen HOST:PORT   HTTP listener for the API, /metrics, /-/healthy, /-/ready, /-/reload (default 0.0.0.0:9090)
  --data DIR           local data directory (default ./data)
  --kafka BROKERS      comma-separated Kafka brokers: use Kafka instead of the embedded bus
  --redis URL          Redis for shared state (redis://host:port)
  --nats URL           NATS server(s), comma-separated
  --log.level LEVEL    trace, debug, info, warn, error (default info)
  --shard I/N          ingest: scrape only this replica's share of the targets (0-based I of N replicas)
  --advertise-address HOST:PORT
                       store: the address query roles reach this store at (behind NAT, in containers);
                       default the --listen address, a wildcard host replaced by the hostname
  --web.config.file FILE
                       TLS and basic auth for the listener, in Prometheus' web configuration format
                       (tls_server_config, http_server_config, basic_auth_users); re-read on change
  --web.enable-admin-api
                       store, up: serve /api/v1/admin/tsdb/* (delete_series, snapshot); off by default
  --rebuild all|P,P... store, up: move these partitions' shard directories aside (to
                       <dir>.before-rebuild-<time>) and rebuild them from the bus; refused when the
                       log no longer reaches a shard's first record
  --rebuild-force      rebuild anyway, losing what only the old shard held`;

const COMMON_OPTIONS = {
  config: { type: 'string' },
  listen: { type: 'string', default: '0.0.0.0:9090' },
  data: { type: 'string', default: './data' },
  kafka: { type: 'string' },
  redis: { type: 'string' },
  nats: { type: 'string' },
  'log.level': { type: 'string', default: 'info' },
  shard: { type: 'string' },
  'advertise-address': { type: 'string' },
  'web.config.file': { type: 'string' },
  'web.enable-admin-api': { type: 'boolean', default: false },
  rebuild: { type: 'string' },
  'rebuild-force': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h' },
} as const;

type ExtraOptions = Parameters<typeof parseArgs>[0] extends infer C ? (C extends { options?: infer O } ? O : never) : never;

export class UsageError extends Error {
  readonly code = 'usage';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface ParsedFlags {
  readonly common: CommonFlags;
  readonly extra: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly positionals: string[];
  readonly help: boolean;
}

/** Parses a role's arguments: the common flags plus the role's own. Throws UsageError. */
export function parseFlags(args: string[], extra: ExtraOptions = {}): ParsedFlags {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...COMMON_OPTIONS, ...extra }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const level = String(v['log.level']);
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(level)) {
    throw new UsageError(`--log.level: unknown level ${JSON.stringify(level)}`);
  }
  return {
    common: {
      config: v.config as string | undefined,
      listen: v.listen as string,
      data: v.data as string,
      kafka: v.kafka as string | undefined,
      redis: v.redis as string | undefined,
      nats: v.nats as string | undefined,
      logLevel: level,
      shard: v.shard as string | undefined,
      advertiseAddress: v['advertise-address'] as string | undefined,
      webConfigFile: v['web.config.file'] as string | undefined,
      enableAdminApi: v['web.enable-admin-api'] === true,
      rebuild: v.rebuild as string | undefined,
      rebuildForce: v['rebuild-force'] === true,
    },
    extra: v,
    positionals: parsed.positionals,
    help: v.help === true,
  };
}
