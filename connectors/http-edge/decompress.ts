import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { uncompressSync } from 'snappy';
import { InvalidPushError, PayloadTooLargeError, UnsupportedMediaTypeError } from './errors.js';
import { oneLargeDecodeAtATime, SNAPPY_SLICE_BYTES, SnappyStream, snappyUncompressInSlices } from './snappy-slices.js';

const gunzipAsync = promisify(gunzip);

/**
 * Snappy block format (not framed), as remote_write sends it. The decompressed length sits in the
 * header, so an oversized body is refused before any memory is allocated for it. The native
 * binding decodes a body of the system bench's shape (33 KB to 250 KB) in a quarter of snappyjs'
 * CPU, the N-API call included; bodies past SNAPPY_SLICE_BYTES go to the sliced decoder instead
 * (snappyUncompressLarge, withSnappyBody), as one native call would hold the event loop.
 */
export function snappyUncompress(body: Buffer, limitBytes: number): Buffer {
  const length = snappyDecodedLength(body);
  if (length < 0) throw new InvalidPushError('snappy: corrupt input (bad length header)', 'decompress');
  if (limitBytes > 0 && length > limitBytes) throw new PayloadTooLargeError(limitBytes, 'decompressed body');
  try {
    return uncompressSync(body, { asBuffer: true }) as Buffer;
  } catch (err) {
    // The binding's messages already read "snappy: corrupt input (why)".
    const message = (err as Error).message;
    throw new InvalidPushError(message.startsWith('snappy: ') ? message : `snappy: corrupt input: ${message}`, 'decompress', {}, { cause: err });
  }
}

/**
 * snappyUncompress for a body of any size: one that expands past a few megabytes is decoded in
 * slices that yield to the event loop (the same limits and errors), small ones in one go.
 */
export async function snappyUncompressLarge(body: Buffer, limitBytes: number): Promise<Buffer> {
  const length = snappyDecodedLength(body);
  if (length <= SNAPPY_SLICE_BYTES) return snappyUncompress(body, limitBytes);
  if (limitBytes > 0 && length > limitBytes) throw new PayloadTooLargeError(limitBytes, 'decompressed body');
  try {
    return await snappyUncompressInSlices(body, length);
  } catch (err) {
    throw new InvalidPushError(`snappy: corrupt input: ${(err as Error).message}`, 'decompress', {}, { cause: err });
  }
}

/**
 * A request body that is decompressed while it is read: the first `available` of its `length`
 * bytes are decoded, in `bytes`; `more()` decodes another slice (after a yield to the event loop).
 * `bytes` may be replaced by a longer buffer as the body grows: read it again after `more()`.
 */
export interface GrowingBody {
  readonly bytes: Buffer;
  readonly length: number;
  readonly available: number;
  more(): Promise<void>;
}

/**
 * Hands `read` a snappy body that is decompressed as `read` asks for more, so a reader that stops
 * early (a series limit passed in the first megabytes of a body that expands to hundreds) never
 * pays for the rest: neither the time to decompress it nor the memory. The size limit is checked
 * against the header first. A small body is decoded in one go; large ones one after another
 * (snappyUncompressInSlices). Corrupt input rejects as InvalidPushError.
 */
export async function withSnappyBody<T>(body: Buffer, limitBytes: number, read: (bytes: GrowingBody) => Promise<T>): Promise<T> {
  const length = snappyDecodedLength(body);
  if (length <= SNAPPY_SLICE_BYTES) {
    const bytes = snappyUncompress(body, limitBytes);
    return read({ bytes, length: bytes.length, available: bytes.length, more: () => Promise.resolve() });
  }
  if (limitBytes > 0 && length > limitBytes) throw new PayloadTooLargeError(limitBytes, 'decompressed body');
  return oneLargeDecodeAtATime(() => read(new SnappyBody(body, length)));
}

/**
 * Output decoded per `more()`: a quarter of a slice, as the reader's work on it follows in the
 * same turn of the event loop, and the first steps run before the decoder is optimized.
 */
const GROWING_STEP_BYTES = SNAPPY_SLICE_BYTES / 4;

class SnappyBody implements GrowingBody {
  private readonly stream: SnappyStream;

  constructor(body: Buffer, readonly length: number) {
    this.stream = new SnappyStream(body, length);
  }

  get bytes(): Buffer {
    return this.stream.out;
  }

  get available(): number {
    return this.stream.decoded;
  }

  async more(): Promise<void> {
    if (this.stream.done) return;
    if (this.stream.decoded > 0) await yieldToLoop();
    try {
      this.stream.step(GROWING_STEP_BYTES);
    } catch (err) {
      throw new InvalidPushError(`snappy: corrupt input: ${(err as Error).message}`, 'decompress', {}, { cause: err });
    }
  }
}

/** The uvarint length header of a snappy block, or -1 when it is malformed. */
export function snappyDecodedLength(body: Uint8Array): number {
  let result = 0;
  let shift = 0;
  for (let i = 0; i < body.length && i < 5; i++) {
    const b = body[i];
    result += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return result;
    shift += 7;
  }
  return -1;
}

/** gzip with a bound on the output (zlib stops and fails instead of inflating a bomb). */
export async function gunzipLimited(body: Buffer, limitBytes: number): Promise<Buffer> {
  try {
    return await gunzipAsync(body, limitBytes > 0 ? { maxOutputLength: limitBytes } : {});
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new PayloadTooLargeError(limitBytes, 'decompressed body');
    }
    throw new InvalidPushError(`gzip: corrupt input: ${(err as Error).message}`, 'decompress', {}, { cause: err });
  }
}

/** The request's Content-Encoding, lower-cased, '' when absent or identity. */
export function contentEncoding(header: string | undefined): string {
  const enc = (header ?? '').trim().toLowerCase();
  return enc === 'identity' ? '' : enc;
}

/** Decodes a body by its Content-Encoding, accepting only the encodings listed. */
export async function decodeBody(
  body: Buffer,
  encoding: string,
  accepted: readonly string[],
  limitBytes: number,
): Promise<Buffer> {
  if (!accepted.includes(encoding)) {
    throw new UnsupportedMediaTypeError(
      `unsupported Content-Encoding "${encoding}"; accepted: ${accepted.map((a) => a || 'identity').join(', ')}`,
    );
  }
  if (encoding === 'snappy') return snappyUncompressLarge(body, limitBytes);
  if (encoding === 'gzip' || encoding === 'x-gzip') return gunzipLimited(body, limitBytes);
  if (limitBytes > 0 && body.length > limitBytes) throw new PayloadTooLargeError(limitBytes, 'decompressed body');
  return body;
}
