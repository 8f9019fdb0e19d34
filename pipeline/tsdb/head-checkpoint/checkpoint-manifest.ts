import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptionError } from '../errors.js';

/** Directory name of a checkpoint: the prefix and an 8-digit sequence number. */
export const CHECKPOINT_PREFIX = 'head-checkpoint.';
const NAME = /^head-checkpoint\.(\d{8})$/;
const META_FILE = 'checkpoint.json';
/**
 * The magics of a kind of record file: `plain` for frames of records as they are (version 2),
 * `brotli` for frames of their brotli compression (written since version 3), and the quality
 * its writer compresses at. Readers take both.
 */
export interface RecordFileKind {
  readonly plain: number;
  readonly brotli: number;
  readonly quality: number;
}
/** The open file of a checkpoint: every series' open chunk, or whole content (see FORMAT.md). */
export const OPEN_FILE = 'open';
// Chunks (the open file is written again by every checkpoint) at quality 1: within 3 % of
// quality 5's bytes for a third of its CPU (11 against 31 µs a KB, system bench shape).
export const OPEN_FILE_KIND: RecordFileKind = { plain: 0x544d4f43, brotli: 0x544d4f42, quality: 1 };
/** A chunk file: closed chunks by series ref, written once; `chunks.<seq>` of the checkpoint that wrote it. */
export const CHUNKS_FILE_KIND: RecordFileKind = { plain: 0x544d4348, brotli: 0x544d4342, quality: 1 };
/** A series file: refs and labels of series, written once; `series.<seq>` of the checkpoint that wrote it. */
// Labels (names and values repeating from series to series, written once) at quality 5: 11 times
// smaller, against 8 at quality 1; quality 9 gains 3 % more for 6 times the CPU.
export const SERIES_FILE_KIND: RecordFileKind = { plain: 0x544d5352, brotli: 0x544d5342, quality: 5 };
export function seriesFileName(seq: number): string {
  return `series.${String(seq).padStart(8, '0')}`;
}
export function chunksFileName(seq: number): string {
  return `chunks.${String(seq).padStart(8, '0')}`;
}

/** A chunk file a checkpoint references, and the newest chunk end it holds. */
export interface ChunkPart {
  readonly file: string;
  readonly maxT: number;
}

/**
 * `checkpoint.json` of a head checkpoint (FORMAT.md, "Head checkpoint"). Version 3 has version
 * 2's layout; its record files are brotli-compressed (their own magics say so), so a reader of
 * version 2 alone must refuse it.
 */
interface CheckpointDoc {
  readonly version: 2 | 3;
  /** The caller's position the head state covers (the store: the next bus offset to apply). */
  readonly position: number;
  /** Newest timestamp ever appended to the head (null: none). */
  readonly maxT: number | null;
  /** The head's minValidTime when written: closed chunks ending before it had left the head (null: none). */
  readonly minValidTime: number | null;
  /** Chunk files of closed in-order chunks, oldest first, each written once and linked into later checkpoints. */
  readonly chunks: readonly ChunkPart[];
  /** Series files, oldest first: every series the chunk files and the open file name, by the ref it had when written. */
  readonly series: readonly string[];
  /** The open file (null: the head held no sample). */
  readonly open: string | null;
  /** Level-1 ids of every raw block of the TSDB when the checkpoint was written. */
  readonly sources: readonly string[];
}

/** Version 1: the whole head as one block. */
interface CheckpointDocV1 {
  readonly version: 1;
  readonly position: number;
  readonly maxT: number | null;
  readonly block: string | null;
  readonly sources: readonly string[];
}

/** A checkpoint found on open. */
export interface HeadCheckpoint {
  readonly dir: string;
  readonly position: number;
  readonly maxT: number | null;
  /** Chunks of the chunk files ending before this are not the head's any more (-Infinity: all are). */
  readonly minValidTime: number;
  readonly chunks: readonly ChunkPart[];
  readonly series: readonly string[];
  readonly open: string | null;
  /** Version 1's block holding the whole head (null: none, or a later version). */
  readonly block: string | null;
  readonly sources: ReadonlySet<string>;
}

/** What a checkpoint's `checkpoint.json` says, as the writer hands it over. */
export interface CheckpointContent {
  readonly position: number;
  readonly maxT: number | null;
  readonly minValidTime: number | null;
  readonly chunks: readonly ChunkPart[];
  readonly series: readonly string[];
  readonly open: string | null;
  readonly sources: readonly string[];
}

/** Writes and fsyncs (off the event loop) `checkpoint.json` into `dir`. */
export async function writeCheckpointManifest(dir: string, content: CheckpointContent): Promise<void> {
  const doc: CheckpointDoc = { version: 3, ...content };
  const handle = await open(join(dir, META_FILE), 'w');
  try {
    await handle.writeFile(JSON.stringify(doc));
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * The newest complete checkpoint of `tsdbDir`, or null. Older ones (a crash came before their
 * deletion) and unfinished `.tmp` ones are deleted.
 */
export function readHeadCheckpoint(tsdbDir: string): HeadCheckpoint | null {
  for (const f of readdirSync(tsdbDir)) if (f.startsWith(CHECKPOINT_PREFIX) && f.endsWith('.tmp')) rmSync(join(tsdbDir, f), { recursive: true, force: true });
  const all = listCheckpoints(tsdbDir);
  if (all.length === 0) return null;
  const newest = all[all.length - 1];
  for (const c of all.slice(0, -1)) rmSync(join(tsdbDir, c.name), { recursive: true, force: true });
  const dir = join(tsdbDir, newest.name);
  const file = join(dir, META_FILE);
  let doc: Partial<CheckpointDocV1> | Partial<CheckpointDoc>;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as Partial<CheckpointDocV1> | Partial<CheckpointDoc>;
  } catch (err) {
    throw new CorruptionError(file, 0, `head checkpoint metadata unreadable: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!Number.isSafeInteger(doc.position) || !Array.isArray(doc.sources)) throw new CorruptionError(file, 0, 'unexpected head checkpoint metadata');
  const base = { dir, position: doc.position!, maxT: doc.maxT ?? null, sources: new Set(doc.sources) };
  if (doc.version === 1 && (doc.block === null || typeof doc.block === 'string')) {
    return { ...base, minValidTime: -Infinity, chunks: [], series: [], open: null, block: doc.block };
  }
  if (
    (doc.version === 2 || doc.version === 3) &&
    Array.isArray(doc.chunks) &&
    doc.chunks.every(isChunkPart) &&
    Array.isArray(doc.series) &&
    doc.series.every((f) => typeof f === 'string') &&
    (doc.open === null || typeof doc.open === 'string')
  ) {
    return { ...base, minValidTime: doc.minValidTime ?? -Infinity, chunks: doc.chunks, series: doc.series, open: doc.open, block: null };
  }
  throw new CorruptionError(file, 0, `unexpected head checkpoint metadata (version ${String(doc.version)})`);
}

function isChunkPart(p: unknown): p is ChunkPart {
  return typeof p === 'object' && p !== null && typeof (p as ChunkPart).file === 'string' && typeof (p as ChunkPart).maxT === 'number';
}

/** Deletes every checkpoint of `tsdbDir` (its head is kept another way from now on). */
export function removeHeadCheckpoints(tsdbDir: string): void {
  for (const c of listCheckpoints(tsdbDir)) rmSync(join(tsdbDir, c.name), { recursive: true, force: true });
}

/** Whether `name` (an entry of a TSDB directory) belongs to a head checkpoint. */
export function isHeadCheckpointEntry(name: string): boolean {
  return name.startsWith(CHECKPOINT_PREFIX);
}

/** The complete checkpoints of `tsdbDir`, oldest first. */
export function listCheckpoints(tsdbDir: string): { name: string; seq: number }[] {
  const out: { name: string; seq: number }[] = [];
  for (const f of readdirSync(tsdbDir)) {
    const m = NAME.exec(f);
    if (m) out.push({ name: f, seq: Number(m[1]) });
  }
  return out.sort((a, b) => a.seq - b.seq);
}
