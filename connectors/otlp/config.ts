import { z } from 'zod';
import { edgeAuthConfigSchema, edgeLimitsConfigSchema } from '../http-edge/index.js';

/** The OTLP/HTTP metrics receiver. */
export const otlpConfigSchema = z
  .object({
    auth: edgeAuthConfigSchema.default({}),
    limits: edgeLimitsConfigSchema.default(edgeLimitsConfigSchema.parse({})),
  })
  .strict();

export type OtlpConfig = z.infer<typeof otlpConfigSchema>;
