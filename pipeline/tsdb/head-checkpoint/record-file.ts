import { close, closeSync, fsync, openSync, readFileSync, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import { brotliCompress, brotliDecompressSync, constants, crc32 } from 'node:zlib';
import { ByteReader, type ByteWriter } from '../block/index.js';
import { CorruptionError } from '../errors.js';
import type { RecordFileKind } from './checkpoint-manifest.js';

/**
 * A file of a head checkpoint written in frames (FORMAT.md, "Head checkpoint"): a magic u32 (the
 * kind's brotli one), then frames of `u32 length`, that many bytes of brotli-compressed records,
 * `crc32` of them. Written a frame at a time, so a writer that yields between frames holds no
 * more than one in memory.
 */
export class RecordFileWriter {
  private fd: number | null;

  constructor(
    readonly path: string,
    private readonly kind: RecordFileKind,
  ) {
    this.fd = openSync(path, 'w');
    const head = Buffer.alloc(4);
    head.writeUInt32BE(kind.brotli);
    this.write(head);
  }

  /**
   * Appends the records `w` holds as one frame of their brotli compression (nothing for none),
   * compressed on node:zlib's thread pool; `w` must stay as it is until this resolves.
   */
  async frame(w: ByteWriter): Promise<void> {
    if (w.length === 0) return;
    const records = w.result();
    this.writeFrame(await brotliAsync(records, { params: { [constants.BROTLI_PARAM_QUALITY]: this.kind.quality, [constants.BROTLI_PARAM_SIZE_HINT]: records.length } }));
  }

  private writeFrame(body: Uint8Array): void {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(body.length);
    const tail = Buffer.alloc(4);
    tail.writeUInt32BE(crc32(body));
    this.write(head);
    this.write(body);
    this.write(tail);
  }

  /** fsyncs (off the event loop) and closes the file. */
  async finish(): Promise<void> {
    const fd = this.open();
    this.fd = null;
    try {
      await fsyncAsync(fd);
    } finally {
      await closeAsync(fd);
    }
  }

  /** Closes the file without syncing it (a write given up). */
  abandon(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private write(bytes: Uint8Array): void {
    const fd = this.open();
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
  }

  private open(): number {
    if (this.fd === null) throw new Error(`head checkpoint file ${this.path} is closed`);
    return this.fd;
  }
}

const fsyncAsync = promisify(fsync);
const closeAsync = promisify(close);
const brotliAsync = promisify(brotliCompress);

/**
 * Reads a framed file of `kind`, handing each frame's records to `records` as a reader over
 * them; its magic says whether the frames are compressed (version 3) or not (version 2).
 */
export function readRecordFile(path: string, kind: RecordFileKind, records: (r: ByteReader) => void): void {
  const buf = readFileSync(path);
  const fileMagic = buf.length < 4 ? -1 : buf.readUInt32BE(0);
  const compressed = fileMagic === kind.brotli;
  if (fileMagic !== kind.plain && !compressed) throw new CorruptionError(path, 0, 'not a head checkpoint file of this kind (magic)');
  let pos = 4;
  while (pos < buf.length) {
    if (pos + 8 > buf.length) throw new CorruptionError(path, pos, 'truncated frame');
    const len = buf.readUInt32BE(pos);
    const start = pos + 4;
    const end = start + len;
    if (end + 4 > buf.length) throw new CorruptionError(path, pos, 'truncated frame');
    if (crc32(buf.subarray(start, end)) !== buf.readUInt32BE(end)) throw new CorruptionError(path, pos, 'frame checksum mismatch');
    if (compressed) {
      let plain: Buffer;
      try {
        plain = brotliDecompressSync(buf.subarray(start, end));
      } catch (err) {
        throw new CorruptionError(path, pos, `frame does not decompress (${err instanceof Error ? err.message : String(err)})`, err);
      }
      const r = new ByteReader(plain, path, 0, plain.length);
      while (r.pos < plain.length) records(r);
    } else {
      const r = new ByteReader(buf, path, start, end);
      while (r.pos < end) records(r);
    }
    pos = end + 4;
  }
}
