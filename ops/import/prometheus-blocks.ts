/**
 * Reads Prometheus TSDB blocks (a data directory, a snapshot, or one block directory) as they lie
 * on disk: `meta.json`, the `index` (symbol table and series section, format version 2) and the
 * chunk segment files of `chunks/`, XOR and native-histogram chunks decoded. Series come out in the index's order
 * (sorted by labels), each with all its samples of the block. Tombstones are not applied: a block
 * with deletions is refused rather than imported with the deleted samples.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BlockFormatError } from './block-format-error.js';
import { readHistogramChunk, type ReadHistograms, type ReadSeries } from './remote-read-response.js';
import { decodeXorChunk } from './xor-chunk.js';

export { BlockFormatError };

export interface BlockMeta {
  readonly ulid: string;
  readonly minTime: number;
  readonly maxTime: number;
  readonly stats?: { readonly numSamples?: number; readonly numSeries?: number };
}

export interface Block {
  readonly dir: string;
  readonly meta: BlockMeta;
}

const INDEX_MAGIC = 0xbaaad700;
const CHUNKS_MAGIC = 0x85bd40dd;
const XOR = 1;
const HISTOGRAM = 2;
const FLOAT_HISTOGRAM = 3;

/**
 * The blocks under `dir`, oldest first: `dir` itself when it holds a `meta.json`, else each
 * subdirectory that does (a data directory's or a snapshot's blocks; `wal/` and `chunks_head/`
 * are not blocks and are passed over).
 */
export function findBlocks(dir: string): Block[] {
  if (!existsSync(dir)) throw new BlockFormatError(`${dir}: no such directory`);
  const dirs = existsSync(join(dir, 'meta.json'))
    ? [dir]
    : readdirSync(dir)
        .map((name) => join(dir, name))
        .filter((d) => statSync(d).isDirectory() && existsSync(join(d, 'meta.json')));
  if (dirs.length === 0) throw new BlockFormatError(`${dir}: no Prometheus block here (a directory with meta.json, index and chunks/, or a directory of them)`);
  return dirs
    .map((d) => {
      let meta: BlockMeta;
      try {
        meta = JSON.parse(readFileSync(join(d, 'meta.json'), 'utf8')) as BlockMeta;
      } catch (err) {
        throw new BlockFormatError(`${join(d, 'meta.json')}: ${(err as Error).message}`);
      }
      if (typeof meta.minTime !== 'number' || typeof meta.maxTime !== 'number') throw new BlockFormatError(`${join(d, 'meta.json')}: no minTime/maxTime`);
      return { dir: d, meta };
    })
    .sort((a, b) => a.meta.minTime - b.meta.minTime || a.dir.localeCompare(b.dir));
}

class ByteReader {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    private readonly what: string,
  ) {}

  uvarint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) throw new BlockFormatError(`${this.what}: truncated at byte ${this.pos}`);
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw new BlockFormatError(`${this.what}: varint too long at byte ${this.pos}`);
  }

  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }
}

/** The series of one block with their samples, in the index's order; a block is read lazily, series by series. */
export function* blockSeries(block: Block): Generator<ReadSeries> {
  const tombstones = join(block.dir, 'tombstones');
  // An empty tombstones file is its 5-byte header and a 4-byte CRC.
  if (existsSync(tombstones) && statSync(tombstones).size > 9) {
    throw new BlockFormatError(`${block.dir}: the block has deletions (tombstones), which this reader does not apply; compact it first (or clean_tombstones)`);
  }
  const indexPath = join(block.dir, 'index');
  const index = readFileSync(indexPath);
  if (index.length < 5 + 52 || index.readUInt32BE(0) !== INDEX_MAGIC) throw new BlockFormatError(`${indexPath}: not a Prometheus index (magic)`);
  if (index[4] !== 2) throw new BlockFormatError(`${indexPath}: index format version ${index[4]}; version 2 is read`);
  const toc = index.length - 52;
  const ref = (i: number) => Number(index.readBigUInt64BE(toc + i * 8));
  const [symbolsAt, seriesAt] = [ref(0), ref(1)];
  const seriesEnd = [ref(2), ref(3), ref(4), ref(5), toc].filter((o) => o > seriesAt).reduce((a, b) => Math.min(a, b));

  const symbols: string[] = [];
  if (symbolsAt > 0) {
    const count = index.readUInt32BE(symbolsAt + 4);
    const r = new ByteReader(index, symbolsAt + 8, indexPath);
    for (let i = 0; i < count; i++) {
      const len = r.uvarint();
      symbols.push(index.toString('utf8', r.pos, r.pos + len));
      r.pos += len;
    }
  }
  const symbol = (i: number) => {
    const s = symbols[i];
    if (s === undefined) throw new BlockFormatError(`${indexPath}: symbol ${i} out of range (${symbols.length} symbols)`);
    return s;
  };

  const segments = new Map<number, Buffer>();
  const segment = (n: number): Buffer => {
    let seg = segments.get(n);
    if (seg === undefined) {
      const path = join(block.dir, 'chunks', String(n + 1).padStart(6, '0'));
      seg = readFileSync(path);
      if (seg.length < 8 || seg.readUInt32BE(0) !== CHUNKS_MAGIC) throw new BlockFormatError(`${path}: not a Prometheus chunks file (magic)`);
      // Series refer to segments in order: an earlier one is not needed again.
      for (const k of segments.keys()) if (k < n) segments.delete(k);
      segments.set(n, seg);
    }
    return seg;
  };

  // Padding follows the symbol table: the first series starts at the next 16-byte boundary.
  let pos = Math.ceil(seriesAt / 16) * 16;
  while (seriesAt > 0 && pos < seriesEnd) {
    const r = new ByteReader(index, pos, indexPath);
    const len = r.uvarint();
    if (len === 0) break;
    const bodyEnd = r.pos + len;
    const labels: Record<string, string> = {};
    const nLabels = r.uvarint();
    for (let i = 0; i < nLabels; i++) {
      const name = symbol(r.uvarint());
      labels[name] = symbol(r.uvarint());
    }
    const nChunks = r.uvarint();
    const timestamps: number[] = [];
    const values: number[] = [];
    const histograms: ReadHistograms = { timestamps: [], histograms: [] };
    let chunkRef = 0;
    let maxt = 0;
    for (let c = 0; c < nChunks; c++) {
      if (c === 0) {
        const mint = r.varint();
        maxt = mint + r.uvarint();
        chunkRef = r.uvarint();
      } else {
        const mint = maxt + r.uvarint();
        maxt = mint + r.uvarint();
        chunkRef += r.varint();
      }
      const segNo = Math.floor(chunkRef / 2 ** 32);
      const offset = chunkRef % 2 ** 32;
      const seg = segment(segNo);
      const cr = new ByteReader(seg, offset, `${block.dir}/chunks/${String(segNo + 1).padStart(6, '0')}`);
      const dataLen = cr.uvarint();
      const encoding = seg[cr.pos];
      const data = seg.subarray(cr.pos + 1, cr.pos + 1 + dataLen);
      if (encoding === HISTOGRAM || encoding === FLOAT_HISTOGRAM) readHistogramChunk(encoding, data, histograms);
      else if (encoding !== XOR) throw new BlockFormatError(`${block.dir}: series ${JSON.stringify(labels)} has a chunk of encoding ${encoding}; XOR (1), histogram (2) and float histogram (3) chunks are read`);
      else decodeXorChunk(data, timestamps, values);
    }
    if (r.pos > bodyEnd) throw new BlockFormatError(`${indexPath}: series entry at byte ${pos} runs past its length`);
    yield histograms.timestamps.length > 0 ? { labels, timestamps, values, histograms } : { labels, timestamps, values };
    // The CRC32 after the entry, then padding to the next 16-byte boundary (a series' ID is its offset / 16).
    pos = Math.ceil((bodyEnd + 4) / 16) * 16;
  }
}
