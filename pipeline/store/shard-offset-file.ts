import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { replaceFile } from '../durable-file/index.js';
import { ShardOffsetFileError } from './errors.js';

/** Name of the file holding the shard's durable offset. */
export const OFFSET_FILE = 'offset.json';
/** Name of the file holding the offset a flush was about to make durable (see `ShardOffsets`). */
export const INTENT_FILE = 'flush-intent.json';

/**
 * A shard's position in its partition. `durable`: every record before it is in the TSDB and
 * survives a crash (null when the shard never completed a flush). `horizon`: records before it may
 * already be in the TSDB's write-ahead log although `durable` does not say so yet (a crash between
 * the WAL sync and the offset file); replaying them is expected and counted as replayed duplicates.
 */
export interface ShardOffsets {
  readonly durable: number | null;
  readonly horizon: number;
}

interface OffsetDoc {
  readonly version: 1;
  readonly offset: number;
}

export function readShardOffsets(dir: string): ShardOffsets {
  const durable = readOffset(join(dir, OFFSET_FILE));
  const intent = readOffset(join(dir, INTENT_FILE));
  return { durable, horizon: Math.max(durable ?? 0, intent ?? 0) };
}

function readOffset(file: string): number | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ShardOffsetFileError(file, 'cannot be read', err);
  }
  let doc: Partial<OffsetDoc>;
  try {
    doc = JSON.parse(text) as Partial<OffsetDoc>;
  } catch (err) {
    throw new ShardOffsetFileError(file, 'is not valid JSON', err);
  }
  if (doc.version !== 1 || !Number.isSafeInteger(doc.offset) || (doc.offset as number) < 0) {
    throw new ShardOffsetFileError(file, `unexpected content ${JSON.stringify(text.slice(0, 100))}`);
  }
  return doc.offset as number;
}

/**
 * Writes the durable offset atomically: temp file, fsync, rename, fsync of the directory. Call it
 * only after the TSDB flush that covers every record before `offset` resolved. Asynchronous: in
 * `tidemark up` the rules and the notifier share the event loop with every shard, and a synchronous
 * fsync per shard and flush held alerts back for as long as the disk took.
 */
export async function writeDurableOffset(dir: string, offset: number): Promise<void> {
  await writeAtomically(dir, OFFSET_FILE, offset, true);
}

/**
 * Records the offset a flush is about to make durable. Not synced: it only classifies replays
 * after a process crash (the page cache survives a SIGKILL), never decides what is stored.
 */
export async function writeFlushIntent(dir: string, offset: number): Promise<void> {
  await writeAtomically(dir, INTENT_FILE, offset, false);
}

async function writeAtomically(dir: string, name: string, offset: number, sync: boolean): Promise<void> {
  await replaceFile(join(dir, name), JSON.stringify({ version: 1, offset } satisfies OffsetDoc), { syncFile: sync });
}
