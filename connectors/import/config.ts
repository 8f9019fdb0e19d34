import { z } from 'zod';
import { edgeAuthConfigSchema, edgeLimitsConfigSchema } from '../http-edge/index.js';

/** The import endpoints (`/api/v1/import`, `/api/v1/import/prometheus`, `/api/v1/import/csv`). */
export const importConfigSchema = z
  .object({
    max_errors_listed: z
      .number()
      .int()
      .min(1)
      .default(100)
      .describe('A 400 answer to an import with bad lines lists at most this many of them (all are counted).'),
    auth: edgeAuthConfigSchema.default({}),
    limits: edgeLimitsConfigSchema.default(edgeLimitsConfigSchema.parse({})),
  })
  .strict();

export type ImportConfig = z.infer<typeof importConfigSchema>;

export function defaultImportConfig(): ImportConfig {
  return importConfigSchema.parse({});
}
