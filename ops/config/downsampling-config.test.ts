import { describe, expect, it } from 'vitest';
import { parseConfig } from './load-config.js';
import { shardTsdbOptions } from '../../pipeline/store/index.js';

const H = 3600_000;
const D = 24 * H;

describe('store.downsampling', () => {
  it('reads tiers with duration strings into the shards\' TSDB options', () => {
    const cfg = parseConfig('store:\n  downsampling:\n    - {resolution: 5m, after: 2d, retention: 90d}\n    - {resolution: 1h, after: 10d}\n', 'tidemark.yml');
    expect(shardTsdbOptions(cfg.store).downsampling).toEqual([
      { resolutionMs: 5 * 60_000, afterMs: 2 * D, retentionMs: 90 * D },
      { resolutionMs: H, afterMs: 10 * D, retentionMs: 0 },
    ]);
  });

  it('names the YAML path of a bad duration, a resolution that does not divide a day, and tiers out of order', () => {
    const err = (text: string): string => {
      try {
        parseConfig(text, 'tidemark.yml');
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error('expected the config to be refused');
    };
    expect(err('store:\n  downsampling:\n    - {resolution: 5x, after: 2d}\n')).toMatch(/store\.downsampling\[0\]\.resolution.*not a valid duration string/s);
    expect(err('store:\n  downsampling:\n    - {resolution: 7m, after: 2d}\n')).toMatch(/store\.downsampling\[0\]\.resolution.*divides 24h/s);
    expect(err('store:\n  downsampling:\n    - {resolution: 1h, after: 2d}\n    - {resolution: 5m, after: 2d}\n')).toMatch(/store\.downsampling\[1\]\.resolution.*coarser/s);
    expect(err('store:\n  downsampling:\n    - {resolution: 1h}\n')).toMatch(/store\.downsampling\[0\]\.after/);
    expect(err('query:\n  max_source_resolution: coarse\n')).toMatch(/query\.max_source_resolution.*raw, auto or a duration/s);
  });
});
