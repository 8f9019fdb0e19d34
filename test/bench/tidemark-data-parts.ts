import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dirBytes } from './peers/index.js';

/** Where a `tidemark up` data directory's bytes are: the bus log, blocks, head checkpoints, the rest. */
export interface TidemarkDataParts {
  readonly log: number;
  readonly blocks: number;
  /** Samples the blocks hold (their meta.json stats), for bytes per sample of the blocks alone. */
  readonly blockSamples: number;
  readonly headCheckpoints: number;
  readonly wal: number;
  readonly other: number;
}

export function tidemarkDataParts(data: string): TidemarkDataParts {
  const total = dirBytes(data);
  const log = existsSync(join(data, 'bus')) ? dirBytes(join(data, 'bus')) : 0;
  let blocks = 0;
  let blockSamples = 0;
  let headCheckpoints = 0;
  let wal = 0;
  const shards = join(data, 'store', 'shards');
  for (const shard of existsSync(shards) ? readdirSync(shards, { withFileTypes: true }) : []) {
    if (!shard.isDirectory()) continue;
    for (const e of readdirSync(join(shards, shard.name), { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const p = join(shards, shard.name, e.name);
      if (e.name.startsWith('head-checkpoint.')) headCheckpoints += dirBytes(p);
      else if (e.name === 'wal') wal += dirBytes(p);
      else if (existsSync(join(p, 'meta.json'))) {
        blocks += dirBytes(p);
        blockSamples += (JSON.parse(readFileSync(join(p, 'meta.json'), 'utf8')) as { stats?: { numSamples?: number } }).stats?.numSamples ?? 0;
      }
    }
  }
  return { log, blocks, blockSamples, headCheckpoints, wal, other: total - log - blocks - headCheckpoints - wal };
}

/** The parts as a note: megabytes each, and the blocks' bytes per sample they hold. */
export function describeDataParts(p: TidemarkDataParts, samples: number): string {
  const part = (name: string, b: number): string => `${name} ${(b / 1e6).toFixed(1)} MB (${(b / samples).toFixed(2)} B/sample)`;
  const perBlockSample = p.blockSamples > 0 ? `, ${(p.blocks / p.blockSamples).toFixed(2)} B per sample they hold (${(p.blockSamples / 1e6).toFixed(1)}M)` : '';
  return [part('bus log', p.log), `${part('blocks', p.blocks)}${perBlockSample}`, part('head checkpoints', p.headCheckpoints), ...(p.wal > 0 ? [part('wal', p.wal)] : []), part('other', p.other)].join('; ');
}
