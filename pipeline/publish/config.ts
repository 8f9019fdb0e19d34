import { z } from 'zod';

/** `bus.watermarks`: what every producer of the samples topic promises about its clock. */
export const watermarksConfigSchema = z
  .object({
    enabled: z.boolean().default(true)
      .describe('Producers tell every partition how far their clock has gone, so rule evaluation need not wait for partitions without data (rules.idle_timeout_ms is then only the fallback for producers that stop).'),
    period_ms: z.number().int().min(1).default(100)
      .describe('A producer that is writing sends one watermark record per partition this often; it stops (with one idle record) two periods after its last write.'),
    lag_ms: z.number().int().min(0).default(50)
      .describe('A producer promises to write nothing older than its clock minus this (held back by writes in progress). A sample older than that when it is written is late for rule evaluation: it is kept and counted (tidemark_rules_late_samples_total), and evaluations already made do not see it.'),
    max_hold_ms: z.number().int().min(0).default(5000)
      .describe('A write in progress holds the promise back to its oldest sample, but never further than this behind the clock: a sender that delivers old samples (a remote_write client catching up, a stuck request) cannot hold rule evaluation back for longer; its older samples are late.'),
  })
  .strict();

export type WatermarksConfig = z.infer<typeof watermarksConfigSchema>;
