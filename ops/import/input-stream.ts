import { createReadStream } from 'node:fs';
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

/**
 * Opens a file (`-` for standard input) and decompresses it when its first bytes are the gzip or
 * zstd magic number, whatever its name. zstd needs a Node with zlib zstd support (22.15 and later).
 */
export async function openInput(path: string, stdin: Readable = process.stdin, onRead: (bytes: number) => void = () => undefined): Promise<Readable> {
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
