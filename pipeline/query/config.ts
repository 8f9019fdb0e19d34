import { z } from 'zod';
import { DurationError, parseDuration } from '../../schemas/duration.js';
import { httpConfigSchema } from '../alert/notify/config/index.js';
import { DEFAULT_SLAB_POOL_BYTES } from '../tsdb/shared-memory/index.js';

// A duration string in YAML; milliseconds once parsed (the query API parses its config again).
const resolution = z.union([z.number().int().min(1), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  try {
    const ms = parseDuration(v);
    if (ms > 0) return ms;
    ctx.addIssue({ code: 'custom', message: 'must be a positive duration' });
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: err instanceof DurationError ? err.message : String(err) });
  }
  return z.NEVER;
});

/**
 * The `query` section of `tidemark.yml`: limits of the Prometheus HTTP API and how the fan-out
 * merges shards. Durations are milliseconds.
 */
export const queryConfigSchema = z
  .object({
    timeout_ms: z.number().int().min(1).default(120_000)
      .describe('Longest a query may run; a smaller `timeout` request parameter shortens it (Prometheus --query.timeout).'),
    max_concurrency: z.number().int().min(1).default(20)
      .describe('Queries evaluated at once; more wait in arrival order, the wait counting against their timeout (Prometheus --query.max-concurrency).'),
    max_samples: z.number().int().min(1).default(50_000_000)
      .describe('Most samples a query may hold in memory at once (Prometheus --query.max-samples).'),
    max_series: z.number().int().min(0).default(0)
      .describe('Most series one query may select from storage; 0 = unbounded.'),
    lookback_delta_ms: z.number().int().min(1).default(5 * 60_000)
      .describe('How far back an instant selector looks for a sample (Prometheus --query.lookback-delta).'),
    max_points_per_series: z.number().int().min(1).default(11_000)
      .describe('Most steps a range query may have (Prometheus fixes 11,000).'),
    replica_labels: z.array(z.string().min(1)).default(['__replica__'])
      .describe('Labels that tell HA replicas apart: series differing only in them are merged into one, the label dropped.'),
    partial_response: z.boolean().default(true)
      .describe('Answer with a warning when some shards cannot be read; false fails the query instead.'),
    shard_timeout_ms: z.number().int().min(1).default(30_000)
      .describe('Timeout of one read from a remote store shard.'),
    read_consistency_timeout_ms: z.number().int().min(1).default(10_000)
      .describe('Longest a read that sends a write token or X-Read-Consistency: strong waits for the stores to apply what it must see; then it fails with 503 naming the partitions behind.'),
    result_cache_max_bytes: z.number().int().min(0).default(64 * 1024 * 1024)
      .describe('Memory bound of the query_range result cache (estimated bytes of cached pieces, least recently used evicted first); 0 turns the cache off. Read at start.'),
    result_cache_piece_ms: z.number().int().min(1).default(3_600_000)
      .describe('Length of the time pieces a range query is split into for the result cache (rounded down to a multiple of the step). Read at start.'),
    workers: z.number().int().min(0).default(0)
      .describe('Worker threads that evaluate queries once their series are selected, so a long query leaves the process answering (health, other requests) and queries run in parallel; 0 = one per core. Read at start.'),
    select_slab_pool_bytes: z.number().int().min(0).default(DEFAULT_SLAB_POOL_BYTES)
      .describe('Memory kept for the columns queries select into (1 MiB slabs, made as needed up to this bound, lent to a query and reused by the next once it is answered; free ones beyond the most leased at once in the last two 30 s windows with queries are let go, all of them after 5 minutes without queries); a query that needs more takes fresh memory beyond it, freed by garbage collection. 0 keeps none. Read at start.'),
    downsampled_resolutions: z.array(resolution).optional()
      .describe('Resolutions of the downsampled tiers the stores keep (e.g. [5m, 1h]); default: those of store.downsampling.'),
    max_exemplars: z.number().int().min(0).default(100_000)
      .describe('Exemplars kept in memory for /api/v1/query_exemplars, in one ring over all series, the oldest overwritten first; 0 keeps none (Prometheus storage.exemplars.max_exemplars).'),
    store_client: httpConfigSchema.optional()
      .describe('How `tidemark query` reads stores whose listeners are locked down by --web.config.file: Prometheus HTTP client settings (basic_auth, authorization, bearer_token, bearer_token_file, tls_config, http_headers), as an alerting.alertmanagers entry takes them. Stores announce https:// addresses when they serve TLS. Files are read when the role starts.'),
    max_source_resolution: z.string().regex(/^(raw|auto|(\d+[smhdwy])+)$/, 'expected raw, auto or a duration such as 5m or 1h').default('auto')
      .describe('Coarsest tier a query reads when its request has no max_source_resolution: raw, auto (the coarsest that answers its range functions exactly for its step) or a resolution.'),
  })
  .strict();

export type QueryConfig = z.infer<typeof queryConfigSchema>;
