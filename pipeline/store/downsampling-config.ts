import { z } from 'zod';
import { DurationError, parseDuration } from '../../schemas/duration.js';
import type { TierOptions } from '../tsdb/downsample/index.js';

const DAY = 24 * 3600_000;

// A duration string in YAML; milliseconds once parsed (a parsed config is parsed again by roles).
const duration = z.union([z.number().int().min(0), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  try {
    return parseDuration(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: err instanceof DurationError ? err.message : String(err) });
    return z.NEVER;
  }
});

const tierSchema = z
  .object({
    resolution: duration.describe('Window of the tier\'s aggregates (count, sum, min, max, counter), e.g. 5m or 1h; must divide a day.'),
    after: duration.describe('A day is downsampled once the newest data is this much later than its end (e.g. 2d).'),
    retention: duration.default(0).describe('The tier\'s blocks are deleted once they end this long before the newest data; 0 keeps them forever.'),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.resolution <= 0 || DAY % t.resolution !== 0) ctx.addIssue({ code: 'custom', path: ['resolution'], message: 'must be a positive duration that divides 24h (e.g. 1m, 5m, 1h)' });
  });

/**
 * `store.downsampling`: the tiers each shard keeps besides its raw blocks, finest first, as
 * Thanos' 5m and 1h resolutions (pipeline/tsdb/downsample/).
 */
export const downsamplingSchema = z
  .array(tierSchema)
  .default([])
  .superRefine((tiers, ctx) => {
    tiers.forEach((t, i) => {
      if (i === 0) return;
      const prev = tiers[i - 1];
      if (t.resolution <= prev.resolution) ctx.addIssue({ code: 'custom', path: [i, 'resolution'], message: `must be coarser than the tier before it (${tiers[i - 1].resolution} ms)` });
      else if (t.resolution % prev.resolution !== 0) ctx.addIssue({ code: 'custom', path: [i, 'resolution'], message: 'must be a multiple of the tier before it' });
    });
  })
  .describe('Downsampled tiers kept per shard, finest first: [{resolution: 5m, after: 2d, retention: 90d}, {resolution: 1h, after: 10d, retention: 1y}]. Queries whose range functions they can answer read them (max_source_resolution).');

export type DownsamplingConfig = z.infer<typeof downsamplingSchema>;

/** The TSDB's tier options for `store.downsampling`. */
export function tierOptions(config: DownsamplingConfig): TierOptions[] {
  return config.map((t) => ({ resolutionMs: t.resolution, afterMs: t.after, retentionMs: t.retention }));
}
