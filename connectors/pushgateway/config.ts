import { z } from 'zod';
import { DurationError, parseDuration } from '../../schemas/duration.js';
import { compileAnchoredRegexp } from '../../schemas/regexp/index.js';
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

const regex = z.string().superRefine((r, ctx) => {
  try {
    compileAnchoredRegexp(r, { dotMatchesNewline: true });
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

const applyTo = z
  .array(z.enum(['grouping_key', 'series']))
  .min(1)
  .default(['grouping_key', 'series'])
  .describe('grouping_key: rewrite the URL grouping key (so a restarted process replaces its old group); series: rewrite the labels of emitted samples.');

/**
 * A rule that keeps restart-changing identifiers (Flink's `tm_id`, `task_attempt_id`, random
 * job-name suffixes) from multiplying groups and series.
 */
export const labelRuleSchema = z.discriminatedUnion('action', [
  z
    .object({
      action: z.literal('drop'),
      labels: z.array(labelName).min(1).describe('Label names removed.'),
      apply_to: applyTo,
    })
    .strict(),
  z
    .object({
      action: z.literal('replace'),
      label: labelName.describe('The label whose value is rewritten.'),
      regex: regex.describe('Anchored regex matched against the value; no match leaves it unchanged.'),
      replacement: z.string().default('$1').describe('New value, with $1... groups; empty removes the label (never job).'),
      apply_to: applyTo,
    })
    .strict(),
]);

export const pushgatewayConfigSchema = z
  .object({
    route_prefix: z
      .string()
      .regex(/^(\/[^/]+)*$/, 'a path like /pushgateway, without a trailing slash')
      .default('')
      .describe('Prefix of every route, as --web.route-prefix (Flink: put it in the reporter hostUrl).'),
    emit_interval: duration
      .optional()
      .describe('How often pushed groups become samples, as a scrape of the Pushgateway would; default global.scrape_interval.'),
    persistence_file: z
      .string()
      .default('pushgateway.json')
      .describe('Groups survive restarts in this file (relative to the data directory); empty disables.'),
    persistence_interval: duration.default(1000).describe('Longest delay between a change and its write to the file.'),
    group_ttl: duration.default(0).describe('Groups not pushed to for this long are deleted (stale markers sent); 0 keeps them.'),
    consistency_check: z.boolean().default(true).describe('Reject inconsistent pushes (the inverse of --push.disable-consistency-check).'),
    enable_admin_api: z.boolean().default(false).describe('Serve PUT /api/v1/admin/wipe (as --web.enable-admin-api).'),
    label_rules: z.array(labelRuleSchema).default([]),
    auth: edgeAuthConfigSchema.default({}),
    limits: edgeLimitsConfigSchema.default(edgeLimitsConfigSchema.parse({})),
  })
  .strict();

export type PushgatewayConfig = z.infer<typeof pushgatewayConfigSchema>;
export type PushgatewayConfigInput = z.input<typeof pushgatewayConfigSchema>;
export type LabelRuleConfig = z.infer<typeof labelRuleSchema>;

export function defaultPushgatewayConfig(): PushgatewayConfig {
  return pushgatewayConfigSchema.parse({});
}
