import { close, closeSync, fsync, openSync, readFileSync, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import { ByteReader, type ByteWriter } from '../block/index.js';
import { CorruptionError } from '../errors.js';

/**
 * A file of a head checkpoint written in frames (FORMAT.md, "Head checkpoint"): a magic u32, then
 * frames of `u32 length`, that many bytes of records, `crc32` of them. Written a frame at a time,
 * so a writer that yields between frames holds no more than one in memory.
 */
export class RecordFileWriter {
  private fd: number | null;

  constructor(
    readonly path: string,
    magic: number,
  ) {
    this.fd = openSync(path, 'w');
    const head = Buffer.alloc(4);
    head.writeUInt32BE(magic);
    this.write(head);
  }

  /** Appends the records `w` holds as one frame (nothing for none). */
  frame(w: ByteWriter): void {
    if (w.length === 0) return;
    const body = w.result();
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

/** Reads a framed file, handing each frame's records to `records` as a reader over them. */
export function readRecordFile(path: string, magic: number, records: (r: ByteReader) => void): void {
  const buf = readFileSync(path);
  if (buf.length < 4 || buf.readUInt32BE(0) !== magic) throw new CorruptionError(path, 0, 'not a head checkpoint file of this kind (magic)');
  let pos = 4;
  while (pos < buf.length) {
    if (pos + 8 > buf.length) throw new CorruptionError(path, pos, 'truncated frame');
    const len = buf.readUInt32BE(pos);
    const start = pos + 4;
    const end = start + len;
    if (end + 4 > buf.length) throw new CorruptionError(path, pos, 'truncated frame');
    if (crc32(buf.subarray(start, end)) !== buf.readUInt32BE(end)) throw new CorruptionError(path, pos, 'frame checksum mismatch');
    const r = new ByteReader(buf, path, start, end);
    while (r.pos < end) records(r);
    pos = end + 4;
  }
}
