import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Labels } from '../../../schemas/labels.js';
import { ENCODING_ROLLUP, isKnownEncoding, SampleBuffer } from '../chunks/index.js';
import { CorruptionError } from '../errors.js';
import { MemPostings, postingsForMatchers, type Postings, type PostingsSource } from '../index/index.js';
import { sharedMemory } from '../shared-memory/index.js';
import type { LabelMatcher, Querier, Queryable } from '../querier.js';
import { BlockQuerier } from './block-querier.js';
import type { BlockMeta } from './block-meta.js';
import { CHUNKS_MAGIC, INDEX_MAGIC, writeTombstones, type ChunkData } from './block-writer.js';
import { ByteReader } from './encoding.js';
import { deletedIntervals, type Tombstone } from './tombstones.js';

export interface BlockSeries {
  readonly labels: Labels;
  /** Flattened (minT, maxT, ref) triples. */
  readonly chunkMeta: readonly number[];
}

/**
 * An immutable block opened from disk. The index is decoded into memory at open (symbols are
 * shared strings); the chunks file is read whole on first use and chunks decoded lazily per query,
 * each checked (checksum, encoding) the first time it is read.
 */
export class Block implements Queryable, PostingsSource {
  readonly series: BlockSeries[] = [];
  private readonly postings = new MemPostings();
  private chunkBuf: Buffer | null = null;
  private chunksVersion = 0;
  /**
   * The chunks found intact so far: bit `ref >>> 2` is set once the chunk at `ref` passed its
   * checks (records are at least 6 bytes long, so no two share a bit).
   */
  private checked = new Int32Array(0);
  /** The chunks file's path, made once: a select's first read of each chunk names it (path.join cost ~58 ms of a cold query set). */
  private readonly chunksFile: string;
  /** The index and chunks files' bytes, read on the first sizeBytes. */
  private immutableBytes: number | undefined;
  tombstones: Tombstone[];

  private constructor(
    readonly dir: string,
    readonly meta: BlockMeta,
  ) {
    this.tombstones = readTombstones(dir);
    this.chunksFile = join(dir, 'chunks');
  }

  static open(dir: string): Block {
    const metaPath = join(dir, 'meta.json');
    let meta: BlockMeta;
    try {
      meta = JSON.parse(readFileSync(metaPath, 'utf8')) as BlockMeta;
    } catch (err) {
      throw new CorruptionError(metaPath, 0, 'unreadable meta.json', err);
    }
    if (meta.version !== 1 && meta.version !== 2) throw new CorruptionError(metaPath, 0, `unsupported block version ${String(meta.version)}`);
    const b = new Block(dir, meta);
    b.loadIndex();
    return b;
  }

  get id(): string {
    return this.meta.ulid;
  }

  get minTime(): number {
    return this.meta.minTime;
  }

  get maxTime(): number {
    return this.meta.maxTime;
  }

  /**
   * Bytes on disk (index + chunks + meta + tombstones). The store's gauges ask it of every block
   * every second: index and chunks never change once written, so they are stat'ed once; meta.json
   * and tombstones.json (rewritten by deletions) each time.
   */
  sizeBytes(): number {
    this.immutableBytes ??= fileBytes(join(this.dir, 'index')) + fileBytes(this.chunksFile);
    return this.immutableBytes + fileBytes(join(this.dir, 'meta.json')) + fileBytes(join(this.dir, 'tombstones.json'));
  }

  private loadIndex(): void {
    const file = join(this.dir, 'index');
    const buf = readFileSync(file);
    if (buf.length < 21 || buf.readUInt32BE(0) !== INDEX_MAGIC) throw new CorruptionError(file, 0, 'bad index magic');
    const toc = new ByteReader(buf, file, buf.length - 16);
    const symOff = toc.u32();
    const seriesOff = toc.u32();
    const postingsOff = toc.u32();
    toc.checkCrc(buf.length - 16, 'table of contents');

    const r = new ByteReader(buf, file, symOff);
    const nsym = r.uvarint();
    const symbols = new Array<string>(nsym);
    for (let i = 0; i < nsym; i++) symbols[i] = r.str();
    r.checkCrc(symOff, 'symbols');

    r.pos = seriesOff;
    const nseries = r.uvarint();
    for (let id = 0; id < nseries; id++) {
      const nl = r.uvarint();
      const labels: Record<string, string> = {};
      for (let i = 0; i < nl; i++) {
        const n = symbols[r.uvarint()];
        const v = symbols[r.uvarint()];
        if (n === undefined || v === undefined) throw new CorruptionError(file, r.pos, 'symbol reference out of range');
        labels[n] = v;
      }
      const nc = r.uvarint();
      const meta = new Array<number>(nc * 3);
      let prevMax = 0;
      let prevRef = 0;
      for (let i = 0; i < nc; i++) {
        const minT = i === 0 ? r.varint() : prevMax + r.uvarint();
        const maxT = minT + r.uvarint();
        const ref = prevRef + r.uvarint();
        meta[3 * i] = minT;
        meta[3 * i + 1] = maxT;
        meta[3 * i + 2] = ref;
        prevMax = maxT;
        prevRef = ref;
      }
      this.series.push({ labels, chunkMeta: meta });
    }
    r.checkCrc(seriesOff, 'series');

    // Postings are rebuilt from the series section (same content); the section is verified.
    r.pos = postingsOff;
    const nkeys = r.uvarint();
    for (let k = 0; k < nkeys; k++) {
      r.uvarint();
      r.uvarint();
      const n = r.uvarint();
      for (let i = 0; i < n; i++) r.uvarint();
    }
    r.checkCrc(postingsOff, 'postings');
    this.series.forEach((s, id) => this.postings.add(id, s.labels));
  }

  /**
   * The chunks file, read whole on first use into shared memory, so a select's decode threads
   * read its chunks where they are. Its records are not verified here: each chunk is when it is
   * first read (`checkedStart`), so a query pays for the chunks it reads, not the whole file.
   */
  private chunks(): Buffer {
    if (this.chunkBuf === null) {
      const file = this.chunksFile;
      const buf = readShared(file);
      if (buf.length < 8 || buf.readUInt32BE(0) !== CHUNKS_MAGIC) throw new CorruptionError(file, 0, 'bad chunks magic');
      const version = buf[4];
      if (version !== 1 && version !== 2) throw new CorruptionError(file, 4, `unsupported chunks file version ${version}`);
      this.chunksVersion = version;
      this.checked = new Int32Array(Math.ceil(buf.length / 128));
      this.chunkBuf = buf;
    }
    return this.chunkBuf;
  }

  /**
   * Where the bytes of the chunk at `ref` start, once the chunk is known intact: the first read of
   * each verifies its checksum (over the encoding byte and the bytes), its encoding and that the
   * file holds it whole, as Prometheus' chunk reader does on every read; later reads find its bit
   * set. A damaged chunk throws a CorruptionError naming the file and the chunk's offset before
   * any of it is decoded.
   */
  private checkedStart(buf: Buffer, ref: number): number {
    if (ref < 8 || ref >= buf.length) throw new CorruptionError(this.chunksFile, ref, 'chunk reference out of range');
    const start = this.chunkStart(buf, ref);
    const bit = ref >>> 2;
    if ((this.checked[bit >>> 5] & (1 << (bit & 31))) !== 0) return start;
    const file = this.chunksFile;
    const end = start + this.chunkLength(buf, ref);
    if (end + 4 > buf.length) throw new CorruptionError(file, ref, 'truncated chunk');
    const encoding = buf[start - 1];
    const known = isKnownEncoding(encoding) || (encoding === ENCODING_ROLLUP && this.meta.downsample !== undefined);
    if (!known || (this.chunksVersion === 1 && encoding !== 1)) throw new CorruptionError(file, start - 1, `unknown chunk encoding ${encoding}`);
    if (buf.readUInt32BE(end) !== crc32(buf.subarray(start - 1, end))) throw new CorruptionError(file, ref, 'chunk checksum mismatch');
    this.checked[bit >>> 5] |= 1 << (bit & 31);
    return start;
  }

  /** Position of the chunk bytes at `ref` (after its length and encoding byte). */
  private chunkStart(buf: Buffer, ref: number): number {
    let p = ref;
    while (buf[p] >= 0x80) p++;
    return p + 2;
  }

  /** The length of the chunk at `ref`; past the end of the file when its length field is damaged. */
  private chunkLength(buf: Buffer, ref: number): number {
    let out = 0;
    let mul = 1;
    // A length field runs to the end of the file only when it is damaged (it is not checksummed).
    for (let p = ref; p < buf.length; p++) {
      const b = buf[p];
      out += (b & 0x7f) * mul;
      if (b < 0x80) return out;
      mul *= 0x80;
    }
    return buf.length;
  }

  /** The encoded chunk at `ref` (checked on its first read). */
  chunk(ref: number): Uint8Array {
    return this.chunkData(ref, 0, 0).bytes;
  }

  /** The chunk at `ref` with its encoding and the given time range. */
  chunkData(ref: number, minT: number, maxT: number): ChunkData {
    const buf = this.chunks();
    const start = this.checkedStart(buf, ref);
    return { encoding: buf[start - 1], bytes: buf.subarray(start, start + this.chunkLength(buf, ref)), minT, maxT };
  }

  /** Chunks of series `id` (bytes point into the chunks buffer). */
  seriesChunks(id: number): ChunkData[] {
    const m = this.series[id].chunkMeta;
    const out: ChunkData[] = [];
    for (let i = 0; i < m.length; i += 3) out.push(this.chunkData(m[i + 2], m[i], m[i + 1]));
    return out;
  }

  /** Upper bound of the samples series `id` holds in [mint, maxt] (whole overlapping chunks). */
  sampleBound(id: number, mint: number, maxt: number): number {
    const buf = this.chunks();
    const m = this.series[id].chunkMeta;
    let n = 0;
    for (let i = 0; i < m.length; i += 3) {
      if (m[i + 1] < mint || m[i] > maxt) continue;
      const ref = m[i + 2];
      if (ref < 8 || ref >= buf.length) throw new CorruptionError(this.chunksFile, ref, 'chunk reference out of range');
      // The sample count in the chunk's header, not checked yet: a chunk is before it is decoded.
      const start = this.chunkStart(buf, ref);
      n += (buf[start] << 8) | buf[start + 1];
    }
    return n;
  }

  /**
   * Where the chunks of series `id` that overlap [mint, maxt] lie in the chunks file (shared
   * memory): `at(encoding, file, byteOffset, byteLength)` for each, in order, without a view of
   * each. Tombstones are not applied (see `collect`).
   */
  chunkSpans(id: number, mint: number, maxt: number, at: (encoding: number, file: SharedArrayBuffer, byteOffset: number, byteLength: number) => void): void {
    const data = this.chunks();
    const m = this.series[id].chunkMeta;
    for (let i = 0; i < m.length; i += 3) {
      if (m[i + 1] < mint || m[i] > maxt) continue;
      const ref = m[i + 2];
      const start = this.checkedStart(data, ref);
      at(data[start - 1], data.buffer as SharedArrayBuffer, data.byteOffset + start, this.chunkLength(data, ref));
    }
  }

  /** Samples of series `id` in [mint, maxt] with tombstones applied. */
  collect(id: number, buf: SampleBuffer, mint: number, maxt: number): void {
    const data = this.chunks();
    const m = this.series[id].chunkMeta;
    const start = buf.length;
    const histStart = buf.histogramCount;
    for (let i = 0; i < m.length; i += 3) {
      if (m[i + 1] < mint || m[i] > maxt) continue;
      const ref = m[i + 2];
      const at = this.checkedStart(data, ref);
      buf.pushEncoded(data[at - 1], data.subarray(at, at + this.chunkLength(data, ref)), mint, maxt);
    }
    if (this.tombstones.length > 0) {
      const del = deletedIntervals(this.tombstones, this.series[id].labels);
      if (del !== null) buf.dropFrom(start, del, histStart);
    }
  }

  get(name: string, value: string): Postings {
    return this.postings.get(name, value);
  }

  allPostings(): Postings {
    return this.postings.allPostings();
  }

  labelValues(name: string): Iterable<string> {
    return this.postings.labelValues(name);
  }

  labelNames(): string[] {
    return this.postings.labelNames();
  }

  select(matchers: readonly LabelMatcher[]): Postings {
    return postingsForMatchers(this, matchers);
  }

  /** Records a deletion durably; applied on read and removed from the data on compaction. */
  addTombstone(t: Tombstone): void {
    this.tombstones = [...this.tombstones, t];
    writeTombstones(this.dir, this.tombstones);
  }

  querier(mint: number, maxt: number): Querier {
    return new BlockQuerier(this, mint, maxt);
  }

  /** Drops the chunks buffer (retention, close); a later read reads and checks the file again. */
  release(): void {
    this.chunkBuf = null;
    this.checked = new Int32Array(0);
  }
}

/** A whole file in a SharedArrayBuffer. */
function readShared(file: string): Buffer {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.from(sharedMemory().allocate(size));
    let off = 0;
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, off);
      if (n === 0) throw new CorruptionError(file, off, `file ended at byte ${off} of ${size} while it was read`);
      off += n;
    }
    return buf;
  } finally {
    closeSync(fd);
  }
}

function readTombstones(dir: string): Tombstone[] {
  const file = join(dir, 'tombstones.json');
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  const lines = text.trimEnd().split('\n');
  const crc = Number(lines.pop());
  const body = lines.join('\n');
  if (crc32(Buffer.from(body)) !== crc) throw new CorruptionError(file, 0, 'tombstones checksum mismatch');
  return (JSON.parse(body) as { tombstones: Tombstone[] }).tombstones;
}

/** A file's size, 0 when it does not exist (one stat, not an exists check and a stat). */
function fileBytes(file: string): number {
  return statSync(file, { throwIfNoEntry: false })?.size ?? 0;
}
