import { z } from 'zod';
import { edgeAuthConfigSchema, edgeLimitsConfigSchema } from '../http-edge/index.js';

/** InfluxDB line protocol mapping, with VictoriaMetrics' flag names and defaults. */
export const influxConfigSchema = z
  .object({
    db_label: z
      .string()
      .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/)
      .default('db')
      .describe('Label set from the `db` query arg of /write unless the line has that tag (VictoriaMetrics -influxDBLabel).'),
    measurement_field_separator: z
      .string()
      .default('_')
      .describe('Metric name is {measurement}{separator}{field} (VictoriaMetrics -influxMeasurementFieldSeparator).'),
    skip_single_field: z
      .boolean()
      .default(false)
      .describe('Use {measurement} alone when a line has one field (VictoriaMetrics -influxSkipSingleField).'),
    skip_measurement: z
      .boolean()
      .default(false)
      .describe('Use {field} alone as the metric name (VictoriaMetrics -influxSkipMeasurement).'),
    auth: edgeAuthConfigSchema.default({}),
    limits: edgeLimitsConfigSchema.default(edgeLimitsConfigSchema.parse({})),
  })
  .strict();

export type InfluxConfig = z.infer<typeof influxConfigSchema>;

export function defaultInfluxConfig(): InfluxConfig {
  return influxConfigSchema.parse({});
}
