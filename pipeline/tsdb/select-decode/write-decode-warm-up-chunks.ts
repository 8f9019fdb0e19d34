/**
 * Writes decode-warm-up-chunks.stored.ts again from encodeWarmUpChunks, after a change to the
 * encoders or to the warm-up's samples: `npx tsx pipeline/tsdb/select-decode/write-decode-warm-up-chunks.ts`.
 */
import { writeFileSync } from 'node:fs';
import { encodeWarmUpChunks, storedWarmUpChunksSource } from './decode-warm-up-chunks.js';

writeFileSync(new URL('decode-warm-up-chunks.stored.ts', import.meta.url), storedWarmUpChunksSource(encodeWarmUpChunks()));
