import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ShardOffsetFileError } from './errors.js';
import { INTENT_FILE, OFFSET_FILE, readShardOffsets, writeDurableOffset, writeFlushIntent } from './shard-offset-file.js';

describe('shard offset files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tidemark-offset-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reports no durable offset for a shard that never flushed', () => {
    expect(readShardOffsets(dir)).toEqual({ durable: null, horizon: 0 });
  });

  it('reads back the durable offset written, leaving no temporary file behind', async () => {
    await writeDurableOffset(dir, 42);
    await writeDurableOffset(dir, 57);
    expect(readShardOffsets(dir)).toEqual({ durable: 57, horizon: 57 });
    expect(readdirSync(dir).sort()).toEqual([OFFSET_FILE]);
  });

  it('takes the replay horizon from a flush intent beyond the durable offset', async () => {
    await writeDurableOffset(dir, 10);
    await writeFlushIntent(dir, 25);
    expect(readShardOffsets(dir)).toEqual({ durable: 10, horizon: 25 });
  });

  it('rejects a corrupt offset file naming the file', () => {
    writeFileSync(join(dir, OFFSET_FILE), '{"version":1,"offset":-3}');
    expect(() => readShardOffsets(dir)).toThrow(ShardOffsetFileError);
    writeFileSync(join(dir, OFFSET_FILE), 'garbage');
    expect(() => readShardOffsets(dir)).toThrow(new RegExp(`${OFFSET_FILE}: is not valid JSON`));
    writeFileSync(join(dir, OFFSET_FILE), '{"version":1,"offset":3}');
    writeFileSync(join(dir, INTENT_FILE), '{}');
    expect(() => readShardOffsets(dir)).toThrow(/flush-intent.json: unexpected content/);
  });
});
