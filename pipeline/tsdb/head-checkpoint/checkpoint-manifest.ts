import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptionError } from '../errors.js';

/** Directory name of a checkpoint: the prefix and an 8-digit sequence number. */
export const CHECKPOINT_PREFIX = 'head-checkpoint.';
const NAME = /^head-checkpoint\.(\d{8})$/;
const META_FILE = 'checkpoint.json';
/** The open file of a checkpoint: every series' open chunk, or whole content (see FORMAT.md). */
export const OPEN_FILE = 'open';
export const OPEN_MAGIC = 0x544d4f43;
/** A chunk file: closed chunks by series ref, written once; `chunks.<seq>` of the checkpoint that wrote it. */
export const CHUNKS_MAGIC = 0x544d4348;
/** A series file: refs and labels of series, written once; `series.<seq>` of the checkpoint that wrote it. */
export const SERIES_MAGIC = 0x544d5352;
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

/** `checkpoint.json` of a head checkpoint (FORMAT.md, "Head checkpoint"). */
interface CheckpointDocV2 {
  readonly version: 2;
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
  /** Version 1's block holding the whole head (null: none, or version 2). */
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
  const doc: CheckpointDocV2 = { version: 2, ...content };
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
  let doc: Partial<CheckpointDocV1> | Partial<CheckpointDocV2>;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as Partial<CheckpointDocV1> | Partial<CheckpointDocV2>;
  } catch (err) {
    throw new CorruptionError(file, 0, `head checkpoint metadata unreadable: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!Number.isSafeInteger(doc.position) || !Array.isArray(doc.sources)) throw new CorruptionError(file, 0, 'unexpected head checkpoint metadata');
  const base = { dir, position: doc.position!, maxT: doc.maxT ?? null, sources: new Set(doc.sources) };
  if (doc.version === 1 && (doc.block === null || typeof doc.block === 'string')) {
    return { ...base, minValidTime: -Infinity, chunks: [], series: [], open: null, block: doc.block };
  }
  if (
    doc.version === 2 &&
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
