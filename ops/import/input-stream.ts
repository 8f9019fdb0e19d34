import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

/** An input that cannot be read as given. */
export class InputError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InputError';
  }
}

/** A file is read 1 MiB at a time: at the stream's default 64 KiB, the per-chunk work (read calls, splitting into lines) showed in profiles of an import. */
const READ_CHUNK_BYTES = 1 << 20;

type ZstdZlib = { createZstdDecompress?: () => NodeJS.ReadWriteStream };

/** An input's bytes, a chunk at a time; `destroy` stops reading early. */
export interface InputChunks extends AsyncIterable<Buffer> {
  destroy(): void;
}

/**
 * An uncompressed file read into three buffers in turn, the next chunk read while the one before
 * is worked on: a chunk's bytes hold until two more chunks have been asked for. A new 1 MiB
 * buffer per chunk, allocated outside the heap, asked V8 for a full collection of the heap every
 * few chunks.
 */
class FileChunks implements InputChunks {
  private readonly buffers = [Buffer.allocUnsafe(READ_CHUNK_BYTES), Buffer.allocUnsafe(READ_CHUNK_BYTES), Buffer.allocUnsafe(READ_CHUNK_BYTES)];
  private closing: Promise<void> | undefined;

  constructor(
    private readonly file: FileHandle,
    private readonly path: string,
    private readonly onRead: (bytes: number) => void,
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    let position = 0;
    let k = 0;
    let next = this.read(0, 0);
    try {
      for (;;) {
        const n = await next;
        if (n === 0) return;
        const chunk = this.buffers[k % 3].subarray(0, n);
        position += n;
        k++;
        next = this.read(k % 3, position);
        this.onRead(n);
        yield chunk;
      }
    } finally {
      // A read still in flight when the reader stops early: its outcome no longer matters.
      await next.catch(() => undefined);
      await this.close();
    }
  }

  destroy(): void {
    void this.close();
  }

  private async read(buffer: number, position: number): Promise<number> {
    try {
      return (await this.file.read(this.buffers[buffer], 0, READ_CHUNK_BYTES, position)).bytesRead;
    } catch (err) {
      throw new InputError(`${this.path}: ${(err as Error).message}`, { cause: err });
    }
  }

  private close(): Promise<void> {
    return (this.closing ??= this.file.close());
  }
}

/**
 * Opens a file (`-` for standard input) and decompresses it when its first bytes are the gzip or
 * zstd magic number, whatever its name. zstd needs a Node with zlib zstd support (22.15 and later).
 */
export async function openInput(path: string, stdin: Readable = process.stdin, onRead: (bytes: number) => void = () => undefined): Promise<InputChunks> {
  if (path !== '-') {
    let file: FileHandle;
    try {
      file = await open(path, 'r');
    } catch (err) {
      throw new InputError(`${path}: ${(err as Error).message}`, { cause: err });
    }
    const magic = Buffer.alloc(4);
    let bytes: number;
    try {
      bytes = (await file.read(magic, 0, 4, 0)).bytesRead;
    } catch (err) {
      await file.close();
      throw new InputError(`${path}: ${(err as Error).message}`, { cause: err });
    }
    if (!compressed(magic.subarray(0, bytes))) return new FileChunks(file, path, onRead);
    await file.close();
  }
  const { head, stream } = await peek(path === '-' ? stdin : createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }), 4, path, onRead);
  if (startsWith(head, GZIP_MAGIC)) return stream.pipe(zlib.createGunzip());
  if (startsWith(head, ZSTD_MAGIC)) {
    const create = (zlib as ZstdZlib).createZstdDecompress;
    if (create === undefined) {
      stream.destroy();
      throw new InputError(`${path}: zstd-compressed, which this Node ${process.version} cannot decompress; pipe it in: zstd -dc ${path} | tidemark import ... -`);
    }
    return stream.pipe(create()) as unknown as Readable;
  }
  return stream;
}

/** A stream's chunk as bytes: a Buffer as it is (a copy of every 1 MiB chunk showed in profiles of an import), a string encoded. */
function asBuffer(chunk: Buffer | string): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
}

function compressed(head: Buffer): boolean {
  return startsWith(head, GZIP_MAGIC) || startsWith(head, ZSTD_MAGIC);
}

function startsWith(buf: Buffer, magic: readonly number[]): boolean {
  return buf.length >= magic.length && magic.every((b, i) => buf[i] === b);
}

/**
 * Reads at least the first `n` bytes (fewer at the end of the input); `stream` gives every byte,
 * those included. `onRead` hears of each piece of the input as read (before decompression).
 */
async function peek(raw: Readable, n: number, path: string, onRead: (bytes: number) => void): Promise<{ head: Buffer; stream: Readable }> {
  const it = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const chunks: Buffer[] = [];
  let size = 0;
  let done = false;
  try {
    while (size < n) {
      const r = await it.next();
      if (r.done === true) {
        done = true;
        break;
      }
      const chunk = asBuffer(r.value);
      onRead(chunk.length);
      chunks.push(chunk);
      size += chunk.length;
    }
  } catch (err) {
    throw new InputError(`${path}: ${(err as Error).message}`, { cause: err });
  }
  const head = Buffer.concat(chunks);
  async function* all(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done === true) return;
      const chunk = asBuffer(r.value);
      onRead(chunk.length);
      yield chunk;
    }
  }
  return { head, stream: Readable.from(all(), { objectMode: false }) };
}
