import { z } from 'zod';
import { DurationError, parseDuration } from '../../schemas/duration.js';
import { edgeAuthConfigSchema, edgeLimitsConfigSchema } from '../http-edge/index.js';

const duration = z.string().transform((text, ctx) => {
  try {
    return parseDuration(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: err instanceof DurationError ? err.message : String(err) });
    return z.NEVER;
  }
});

const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'not a valid label name');

export const haConfigSchema = z
  .object({
    enabled: z.boolean().default(false).describe('Deduplicate HA pairs: keep one replica per cluster.'),
    cluster_label: labelName.default('cluster').describe('Label naming the HA cluster (from external_labels).'),
    replica_label: labelName.default('__replica__').describe('Label naming the replica; removed from stored series.'),
    failover_timeout: duration
      .default(30_000)
      .describe('Another replica is elected when the elected one has not written for this long.'),
    update_timeout: duration
      .default(5_000)
      .describe('How long a replica decision is reused before asking the store again (renews the lease).'),
    store: z.enum(['redis', 'memory']).default('memory').describe('Where the election is held; memory for one process.'),
    redis_url: z.string().optional().describe('redis://host:port, required with store: redis.'),
    key_prefix: z.string().default('tidemark:ha:'),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.store === 'redis' && c.redis_url === undefined) {
      ctx.addIssue({ code: 'custom', path: ['redis_url'], message: 'redis_url is required when store is redis' });
    }
    if (c.update_timeout >= c.failover_timeout) {
      ctx.addIssue({ code: 'custom', path: ['update_timeout'], message: 'update_timeout must be shorter than failover_timeout' });
    }
  });

export const remoteWriteConfigSchema = z
  .object({
    path: z.string().startsWith('/').default('/api/v1/write'),
    metric_name_validation_scheme: z
      .enum(['legacy', 'utf8'])
      .default('legacy')
      .describe('legacy: Prometheus 2 name rules; utf8: any UTF-8 name (Prometheus 3).'),
    series_cache_size: z.number().int().min(2).default(131_072).describe('Series whose decoded labels are kept.'),
    ha: haConfigSchema.default(haConfigSchema.parse({})),
    auth: edgeAuthConfigSchema.default({}),
    limits: edgeLimitsConfigSchema.default(edgeLimitsConfigSchema.parse({})),
  })
  .strict();

export type RemoteWriteConfig = z.infer<typeof remoteWriteConfigSchema>;
export type HaConfig = z.infer<typeof haConfigSchema>;

export function defaultRemoteWriteConfig(): RemoteWriteConfig {
  return remoteWriteConfigSchema.parse({});
}
