/**
 * The `aggregates` and `aggregation` sections of `tidemark.yml`: streaming aggregation rules in
 * vmagent's `-streamAggr.config` format (a list), and how the aggregator runs them on event time.
 */
import { z } from 'zod';
import { DurationError, parseDuration } from '../../schemas/duration.js';
import { PromqlParseError } from '../promql/errors.js';
import { parseExpr } from '../promql/parser/parser.js';
import type { LabelMatcher } from '../tsdb/index.js';
import { parseOutput } from './output-kind.js';

const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'not a valid label name');

/** A duration as written (kept: it is part of the output name) that must parse. */
const durationText = z.string().superRefine((text, ctx) => {
  try {
    if (parseDuration(text) <= 0) ctx.addIssue({ code: 'custom', message: `duration ${JSON.stringify(text)} must be above zero` });
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: err instanceof DurationError ? err.message : String(err) });
  }
});

/** The matchers of a series selector (`up`, `{job="a"}`, `x{y=~"z"}`); throws with the reason. */
export function selectorMatchers(text: string): LabelMatcher[] {
  const e = parseExpr(text);
  if (e.type !== 'vector_selector') throw new Error(`${JSON.stringify(text)} is not a series selector`);
  if (e.offset !== null || e.at !== null) throw new Error(`${JSON.stringify(text)} must not have offset or @`);
  return [...e.matchers];
}

const selectorText = z.string().superRefine((text, ctx) => {
  try {
    selectorMatchers(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: err instanceof PromqlParseError || err instanceof Error ? err.message : String(err) });
  }
});

const outputText = z.string().superRefine((text, ctx) => {
  try {
    parseOutput(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

export const aggregationRuleSchema = z
  .object({
    name: z.string().optional().describe('Shown in /api/v1/status/aggregates and the metrics\' `rule` label (default: the rule\'s position and match).'),
    match: z.union([selectorText, z.array(selectorText).min(1)])
      .describe('Series selector(s) (`{__name__=~"http_.+"}`); a series matching any of them is aggregated.'),
    interval: durationText.describe('Window length (`1m`); windows are aligned to multiples of it and output at their end. Part of the output name as written.'),
    staleness_interval: durationText.optional()
      .describe('An input series not seen for this long is forgotten (its counter starts again from its next sample, and `total` outputs it fed stop). Default: twice the interval.'),
    by: z.array(labelName).optional().describe('Labels kept on the output; the others are aggregated away.'),
    without: z.array(labelName).optional().describe('Labels aggregated away; the others are kept.'),
    dedup_interval: durationText.optional()
      .describe('Only the last sample of each series in each such interval is aggregated (the interval must divide `interval`).'),
    drop_input: z.boolean().default(false).describe('The stores do not keep the input series this rule matches (the bus still holds them for replay).'),
    outputs: z.array(outputText).min(1)
      .describe('total, total_prometheus, increase, increase_prometheus, rate_sum, rate_avg, count_samples, count_series, sum_samples, last, min, max, avg, stddev, stdvar, quantiles(φ, ...), histogram_bucket.'),
    keep_metric_names: z.boolean().optional().describe('Accepted for vmagent compatibility when false; output names are always `<metric>:<interval>[_by_|_without_...]_<output>`.'),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.by !== undefined && r.without !== undefined) ctx.addIssue({ code: 'custom', path: ['without'], message: '`by` and `without` cannot both be set' });
    if (r.keep_metric_names === true) ctx.addIssue({ code: 'custom', path: ['keep_metric_names'], message: 'keep_metric_names: true is not supported' });
    if (r.dedup_interval !== undefined) {
      const d = safeDuration(r.dedup_interval);
      const i = safeDuration(r.interval);
      if (d !== undefined && i !== undefined && i % d !== 0) ctx.addIssue({ code: 'custom', path: ['dedup_interval'], message: `dedup_interval ${r.dedup_interval} must divide interval ${r.interval}` });
    }
    const seen = new Set<string>();
    r.outputs.forEach((o, i) => {
      let key: string;
      try { key = parseOutput(o).suffix; } catch { return; }
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['outputs', i], message: `output ${o} is listed twice` });
      seen.add(key);
    });
  });

function safeDuration(text: string): number | undefined {
  try { return parseDuration(text); } catch { return undefined; }
}

export const aggregatesConfigSchema = z.array(aggregationRuleSchema).default([])
  .describe('Streaming aggregation rules (vmagent -streamAggr.config format), run by the store workers on event time; outputs go to the aggregates topic.');

export const aggregationConfigSchema = z
  .object({
    enabled: z.boolean().default(true)
      .describe('Run the aggregation in this store process. `tidemark store` aggregates the partitions it holds and merges through the partials topic, so every store of a group may run it (disabled in one, its partitions are aggregated by the others); `tidemark up` aggregates every partition in one process.'),
    allowed_lateness_ms: z.number().int().min(0).default(0)
      .describe('A window closes once the event-time watermark of every input partition is this far past its end (`tidemark store`: each partition\'s window closes on that partition\'s own watermark).'),
    idle_timeout_ms: z.number().int().min(1).default(10_000)
      .describe('A producer that stopped sending watermarks, or a partition without such producers and without data, stops holding windows open after this long (processing time).'),
    late_samples: z.enum(['drop', 'dead_letter']).default('drop')
      .describe('A sample for a window that has closed is counted in tidemark_aggregation_late_samples_total and dropped, or also written to the dead-letter topic (one record per input record and rule: the late samples as a sample batch, with the rule in the reason).'),
    checkpoint_interval_ms: z.number().int().min(10).default(30_000)
      .describe('Aggregation state is checkpointed (with the input offsets it covers) this often; a restart replays the input since the last checkpoint. A checkpoint holds the event loop while it is serialized and written (the first one after a start about 2 CPU-ms per 1,000 remembered input series and rule on a busy 2-core machine, later ones, which start from the series table of the one before, about 0.5, plus the fsync of the file).'),
    group: z.string().min(1).optional().describe('Consumer group of the aggregator on the samples topic (default `<store.group>.aggregate`). Each store\'s merger reads the partials topic in a group of its own, `<group>.merge.<id of the store>`.'),
    partials_topic: z.string().min(1).optional()
      .describe('Topic (one partition) where `tidemark store` processes publish the partial window states of their partitions for the merger (default `<bus.topics.aggregates>.partials`).'),
  })
  .strict();

export type AggregationRuleConfig = z.output<typeof aggregationRuleSchema>;
export type AggregationConfig = z.output<typeof aggregationConfigSchema>;
