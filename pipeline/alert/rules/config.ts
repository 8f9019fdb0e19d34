/**
 * The Prometheus rule-file format (rulefmt): `groups` of recording and alerting rules. The zod
 * schema is the typed contract; rule-file.ts checks the YAML with positions first, as promtool does.
 */
import { z } from 'zod';
import { parsePromDurationMs } from './prom-duration.js';

export { parsePromDurationMs };

const duration = z.string().refine((s) => parsePromDurationMs(s) !== undefined, { message: 'not a valid duration string' })
  .describe('Prometheus duration such as 30s, 5m, 1h30m');

export const RuleNodeSchema = z.object({
  record: z.string().optional().describe('Name of the time series to output to (recording rule)'),
  alert: z.string().optional().describe('Name of the alert (alerting rule)'),
  expr: z.string().describe('PromQL expression to evaluate'),
  for: duration.optional().describe('How long the condition must hold before the alert fires'),
  keep_firing_for: duration.optional().describe('How long an alert keeps firing after the condition cleared'),
  labels: z.record(z.string(), z.string()).optional().describe('Labels to add or overwrite (templates allowed for alerts)'),
  annotations: z.record(z.string(), z.string()).optional().describe('Annotations to add (templates allowed)'),
}).strict();

export const RuleGroupSchema = z.object({
  name: z.string().min(1).describe('Group name, unique within the file'),
  interval: duration.optional().describe('Evaluation interval (defaults to global.evaluation_interval)'),
  limit: z.number().int().min(0).default(0).describe('Series/alert limit per evaluation; 0 = none'),
  query_offset: duration.optional().describe('Evaluate as of this long ago (defaults to the global one)'),
  rules: z.array(RuleNodeSchema).default([]),
}).strict();

export const RuleFileSchema = z.object({
  groups: z.array(RuleGroupSchema).default([]),
}).strict();

export type RuleNodeConfig = z.infer<typeof RuleNodeSchema>;
export type RuleGroupConfig = z.infer<typeof RuleGroupSchema>;
export type RuleFileConfig = z.infer<typeof RuleFileSchema>;
