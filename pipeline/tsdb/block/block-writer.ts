import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { canonicalLabels, type Labels } from '../../../schemas/labels.js';
import { ENCODING_XOR, encodedSampleCount } from '../chunks/index.js';
import { ByteWriter } from './encoding.js';
import { newBlockId, type BlockMeta } from './block-meta.js';
import type { Tombstone } from './tombstones.js';

export const INDEX_MAGIC = 0x544d4931; // "TMI1"
export const CHUNKS_MAGIC = 0x544d4331; // "TMC1"
export const FORMAT_VERSION = 2;

export interface ChunkData {
  /** Chunk encoding id (FORMAT.md); XOR when absent. */
  readonly encoding?: number;
  readonly bytes: Uint8Array;
  readonly minT: number;
  readonly maxT: number;
}

export interface BlockSeriesInput {
  readonly labels: Labels;
  /** Ascending, non-overlapping chunks. */
  readonly chunks: readonly ChunkData[];
}

export interface WriteBlockOptions {
  readonly minTime: number;
  readonly maxTime: number;
  readonly level?: number;
  readonly sources?: readonly string[];
  readonly parents?: readonly string[];
  readonly tombstones?: readonly Tombstone[];
  /** Window width of a downsampled block (its chunks are rollup chunks). */
  readonly downsampleResolution?: number;
  /** Series a downsampled block leaves out (native histograms); undefined when unknown. */
  readonly downsampleRawOnlySeries?: number;
}

/**
 * Writes a block into `parentDir/<id>` atomically: files go to `<id>.tmp`, are fsynced, and the
 * directory is renamed into place and the parent fsynced. A crash leaves either no block or a
 * whole one (leftover `.tmp` directories are removed on open).
 */
export function writeBlock(parentDir: string, input: readonly BlockSeriesInput[], options: WriteBlockOptions): BlockMeta {
  const id = newBlockId();
  const tmp = join(parentDir, `${id}.tmp`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });

  const series = input
    .filter((s) => s.chunks.length > 0)
    .map((s) => ({ key: canonicalLabels(s.labels), s }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((x) => x.s);

  // chunks file
  const cw = new ByteWriter(1 << 20);
  cw.u32(CHUNKS_MAGIC);
  cw.byte(FORMAT_VERSION);
  cw.byte(0);
  cw.byte(0);
  cw.byte(0);
  const refs: number[][] = [];
  let numChunks = 0;
  let numSamples = 0;
  for (const s of series) {
    const r: number[] = [];
    for (const c of s.chunks) {
      r.push(cw.length);
      cw.uvarint(c.bytes.length);
      const start = cw.length;
      cw.byte(c.encoding ?? ENCODING_XOR);
      cw.bytes(c.bytes);
      cw.u32(cw.crcFrom(start));
      numChunks++;
      numSamples += encodedSampleCount(c.bytes);
    }
    refs.push(r);
  }

  // symbols
  const symbolSet = new Set<string>();
  for (const s of series) for (const n in s.labels) symbolSet.add(n).add(s.labels[n]);
  const symbols = [...symbolSet].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const symRef = new Map<string, number>();
  symbols.forEach((s, i) => symRef.set(s, i));

  const iw = new ByteWriter(1 << 16);
  iw.u32(INDEX_MAGIC);
  iw.byte(FORMAT_VERSION);
  const symOff = iw.length;
  iw.uvarint(symbols.length);
  for (const s of symbols) iw.str(s);
  iw.u32(iw.crcFrom(symOff));

  const seriesOff = iw.length;
  iw.uvarint(series.length);
  const postings = new Map<string, number[]>();
  series.forEach((s, id) => {
    const names = Object.keys(s.labels).sort();
    iw.uvarint(names.length);
    for (const n of names) {
      const v = s.labels[n];
      iw.uvarint(symRef.get(n)!);
      iw.uvarint(symRef.get(v)!);
      const key = `${symRef.get(n)!},${symRef.get(v)!}`;
      const list = postings.get(key);
      if (list === undefined) postings.set(key, [id]);
      else list.push(id);
    }
    iw.uvarint(s.chunks.length);
    let prevMax = 0;
    let prevRef = 0;
    s.chunks.forEach((c, i) => {
      if (i === 0) iw.varint(c.minT);
      else iw.uvarint(c.minT - prevMax);
      iw.uvarint(c.maxT - c.minT);
      iw.uvarint(refs[id][i] - prevRef);
      prevMax = c.maxT;
      prevRef = refs[id][i];
    });
  });
  iw.u32(iw.crcFrom(seriesOff));

  const postingsOff = iw.length;
  const keys = [...postings.keys()].map((k) => k.split(',').map(Number) as [number, number]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  iw.uvarint(keys.length);
  for (const [n, v] of keys) {
    const list = postings.get(`${n},${v}`)!;
    iw.uvarint(n);
    iw.uvarint(v);
    iw.uvarint(list.length);
    let prev = 0;
    for (const id of list) {
      iw.uvarint(id - prev);
      prev = id;
    }
  }
  iw.u32(iw.crcFrom(postingsOff));

  const tocOff = iw.length;
  iw.u32(symOff);
  iw.u32(seriesOff);
  iw.u32(postingsOff);
  iw.u32(iw.crcFrom(tocOff));

  const meta: BlockMeta = {
    ulid: id,
    minTime: options.minTime,
    maxTime: options.maxTime,
    version: FORMAT_VERSION,
    stats: { numSeries: series.length, numChunks, numSamples },
    compaction: { level: options.level ?? 1, sources: options.sources ?? [id], parents: options.parents ?? [] },
    ...(options.downsampleResolution === undefined
      ? {}
      : { downsample: { resolution: options.downsampleResolution, ...(options.downsampleRawOnlySeries === undefined ? {} : { rawOnlySeries: options.downsampleRawOnlySeries }) } }),
  };

  writeDurable(join(tmp, 'chunks'), cw.result());
  writeDurable(join(tmp, 'index'), iw.result());
  if (options.tombstones !== undefined && options.tombstones.length > 0) writeTombstones(tmp, options.tombstones);
  writeDurable(join(tmp, 'meta.json'), Buffer.from(JSON.stringify(meta, null, 2)));
  fsyncDir(tmp);
  renameSync(tmp, join(parentDir, id));
  fsyncDir(parentDir);
  return meta;
}

/**
 * Removes a block directory so that a crash cannot leave half of it behind under its own name
 * (a block with meta.json but no index would stop the shard from opening): it is first renamed
 * to `<id>.deleted.tmp`, which opening a TSDB removes, then deleted.
 */
export function removeBlockDir(dir: string): void {
  const doomed = `${dir}.deleted.tmp`;
  try {
    renameSync(dir, doomed);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  fsyncDir(dirname(dir));
  rmSync(doomed, { recursive: true, force: true });
}

/** Writes a block's tombstones file atomically (tmp + fsync + rename). */
export function writeTombstones(blockDir: string, tombstones: readonly Tombstone[]): void {
  const body = Buffer.from(JSON.stringify({ version: 1, tombstones }));
  const crc = crc32(body);
  const tmp = join(blockDir, 'tombstones.json.tmp');
  writeDurable(tmp, Buffer.concat([body, Buffer.from(`\n${crc}\n`)]));
  renameSync(tmp, join(blockDir, 'tombstones.json'));
  fsyncDir(blockDir);
}

export function writeDurable(path: string, data: Uint8Array): void {
  const fd = openSync(path, 'w');
  try {
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

