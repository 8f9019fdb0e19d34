import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
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

type ZstdZlib = { createZstdDecompress?: () => NodeJS.ReadWriteStream };

/**
 * Opens a file (`-` for standard input) and decompresses it when its first bytes are the gzip or
 * zstd magic number, whatever its name. zstd needs a Node with zlib zstd support (22.15 and later).
 */
export async function openInput(path: string, stdin: Readable = process.stdin): Promise<Readable> {
  const raw = path === '-' ? stdin : createReadStream(path);
  const head = await peek(raw, 4, path);
  if (startsWith(head, GZIP_MAGIC)) return raw.pipe(zlib.createGunzip());
  if (startsWith(head, ZSTD_MAGIC)) {
    const create = (zlib as ZstdZlib).createZstdDecompress;
    if (create === undefined) {
      throw new InputError(`${path}: zstd-compressed, which this Node ${process.version} cannot decompress; pipe it in: zstd -dc ${path} | tidemark import ... -`);
    }
    return raw.pipe(create()) as unknown as Readable;
  }
  return raw;
}

function startsWith(buf: Buffer, magic: readonly number[]): boolean {
  return buf.length >= magic.length && magic.every((b, i) => buf[i] === b);
}

/** Reads the first `n` bytes (fewer at the end of the input) and puts them back. */
async function peek(stream: Readable, n: number, path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  await new Promise<void>((resolve, reject) => {
    const onReadable = () => {
      let chunk: Buffer | null;
      while (size < n && (chunk = stream.read() as Buffer | null) !== null) {
        chunks.push(chunk);
        size += chunk.length;
      }
      if (size >= n) done();
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new InputError(`${path}: ${err.message}`, { cause: err }));
    };
    const done = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      stream.off('readable', onReadable);
      stream.off('end', done);
      stream.off('error', onError);
    };
    stream.on('readable', onReadable);
    stream.once('end', done);
    stream.once('error', onError);
  });
  const head = Buffer.concat(chunks);
  if (head.length > 0) stream.unshift(head);
  return head.subarray(0, n);
}
