import { describe, expect, it } from 'vitest';
import { edgeLimitsConfigSchema } from './config.js';

describe('push edge limits', () => {
  it('default to 32 MiB as sent and 256 MiB decompressed, in bytes', () => {
    const limits = edgeLimitsConfigSchema.parse({});
    expect(limits.body_size_limit).toBe(32 * 1024 ** 2);
    expect(limits.decompressed_body_size_limit).toBe(256 * 1024 ** 2);
  });

  it('read sizes written as numbers or with units', () => {
    const limits = edgeLimitsConfigSchema.parse({ body_size_limit: 1000, decompressed_body_size_limit: '10MB' });
    expect(limits.body_size_limit).toBe(1000);
    expect(limits.decompressed_body_size_limit).toBe(10_000_000);
  });
});
