import { z } from 'zod';

const SIZE_RE = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)?$/;
const SIZE_UNITS: Record<string, number> = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
};

/** A byte size in YAML: a number of bytes or `16MiB`, `10MB` (as Prometheus' body_size_limit). */
export const byteSize = z.union([
  z.number().int().min(0),
  z.string().transform((text, ctx) => {
    const m = SIZE_RE.exec(text.trim());
    if (m === null) {
      ctx.addIssue({ code: 'custom', message: `not a byte size: ${JSON.stringify(text)} (e.g. 16MiB, 10MB, 65536)` });
      return z.NEVER;
    }
    return Math.floor(Number(m[1]) * SIZE_UNITS[m[2] ?? 'B']);
  }),
]);

/** Credentials a push endpoint accepts; with neither set, the endpoint is open. */
export const edgeAuthConfigSchema = z
  .object({
    basic_auth: z
      .object({ username: z.string().min(1), password: z.string() })
      .strict()
      .optional()
      .describe('Accept HTTP basic auth with this username and password.'),
    bearer_token: z
      .string()
      .min(1)
      .optional()
      .describe('Accept `Authorization: Bearer <token>` (and `Token <token>`, as InfluxDB clients send).'),
  })
  .strict();

/** Bounds every push connector enforces before anything reaches the bus. 0 means unlimited. */
export const edgeLimitsConfigSchema = z
  .object({
    // prefault: the default is an input (a size as written), so the reference can show it.
    body_size_limit: byteSize.prefault('32MiB').describe('Largest request body as sent (compressed): bytes, or a size such as 32MiB.'),
    decompressed_body_size_limit: byteSize
      .prefault('256MiB')
      .describe('Largest body after snappy/gzip decompression: bytes, or a size such as 256MiB.'),
    series_limit: z.number().int().min(0).default(100_000).describe('Most series in one request.'),
    label_limit: z.number().int().min(0).default(64).describe('Most labels on one series, __name__ included.'),
    label_name_length_limit: z.number().int().min(0).default(1024).describe('Longest label name, characters.'),
    label_value_length_limit: z.number().int().min(0).default(4096).describe('Longest label value, characters.'),
    max_future_ms: z.number().int().min(0).default(600_000)
      .describe('Samples more than this far ahead of the receiving clock are refused with 400 naming them (the others of the request are stored): a far-future timestamp would otherwise move its shard\'s head and make later samples too old to store (as Mimir\'s creation_grace_period).'),
    max_age_ms: z.number().int().min(0).optional()
      .describe('Samples more than this far behind the receiving clock are refused with 400 naming them (the others of the request are stored). Default: store.retention_ms of the same configuration, so that no acknowledged sample is one the store deletes at its next compaction; 0: no bound.'),
    max_in_flight_requests: z
      .number()
      .int()
      .min(0)
      .default(64)
      .describe('Requests handled at once; more are answered 429 with Retry-After.'),
    retry_after: z.number().int().min(1).default(5).describe('Seconds sent in Retry-After on 429/503.'),
  })
  .strict();

export type EdgeAuthConfig = z.infer<typeof edgeAuthConfigSchema>;
export type EdgeLimitsConfig = z.infer<typeof edgeLimitsConfigSchema>;

export function defaultEdgeLimits(): EdgeLimitsConfig {
  return edgeLimitsConfigSchema.parse({});
}
