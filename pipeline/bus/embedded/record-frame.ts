import type { BusRecord } from '../bus.js';
import type { BusCompression } from '../record-compression.js';
import { crc32 } from './crc32.js';

/**
 * On-disk framing of one record (little-endian):
 *
 *   u32 bodyLength | u32 crc32(body) | body
 *   body = u8 version(1) | u64 offset | i64 timestampMs | i32 keyLength (-1 = null) | key
 *        | u16 headerCount | (u16 nameLength | name utf-8 | u32 valueLength | value)*
 *        | u32 valueLength | value
 *
 * Version 2 (a value stored compressed) has one more byte after the timestamp, the value's codec
 * (1 = gzip, 2 = lz4); everything else is as in version 1. A value stored as it is keeps version
 * 1, so a log written with `bus.compression: none` stays readable by releases that know only
 * version 1.
 *
 * Version 3 (a run, written only by compaction, run-frame.ts) holds consecutive records:
 *
 *   body = u8 version(3) | u64 first offset | i64 newest timestamp | u8 codec (3 = brotli)
 *        | u32 record count | u32 raw length | the records' version 1 frames, concatenated, compressed
 *
 * so that offset and timestamp sit where they sit in a record frame, and the segment index and
 * recovery treat a run as one frame that covers `record count` offsets.
 *
 * Version 4 (a run in series-dictionary form, series-dictionary-run.ts) has the header of version
 * 3, whose raw length is still that of the records' version 1 frames, then one more field:
 *
 *   ... | u32 raw length | u32 dictionary length | the dictionary form, compressed
 *
 * the length of the series-dictionary form before compression (what it inflates to).
 *
 * Version 5 (a run in series-chunk form) is laid out as version 4; its dictionary form holds the
 * samples series by series as TSDB chunks instead of sample by sample (series-chunk-samples.ts).
 *
 * The length and checksum let recovery tell a complete record from a torn or corrupt one.
 */
export const FRAME_PREFIX_BYTES = 8;
const PLAIN = 1;
const COMPRESSED = 2;
const RUN = 3;
const DICTIONARY_RUN = 4;
const SERIES_CHUNK_RUN = 5;
const RUN_BROTLI = 3;
/** Body bytes of a run frame before its compressed records (a dictionary run has 4 more). */
const RUN_HEADER_BYTES = 1 + 8 + 8 + 1 + 4 + 4;
const MIN_BODY_BYTES = 1 + 8 + 8 + 4 + 2 + 4;
const TWO_32 = 0x1_0000_0000;

/** A frame's value codec: how its stored value bytes turn back into the record value. */
export type StoredCodec = BusCompression;
const CODEC_IDS: Readonly<Record<Exclude<StoredCodec, 'none'>, number>> = { gzip: 1, lz4: 2 };
const CODECS_BY_ID: readonly (StoredCodec | undefined)[] = [undefined, 'gzip', 'lz4'];

export interface FrameInput {
  readonly offset: number;
  readonly timestampMs: number;
  readonly key: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer>> | undefined;
  /** The value as stored: compressed with `codec` when that is given and not 'none'. */
  readonly value: Buffer;
  readonly codec?: StoredCodec;
}

/** Encodes one record into a single buffer ready to append. */
export function encodeFrame(r: FrameInput): Buffer {
  const codec = r.codec ?? 'none';
  let headerBytes = 2;
  const names: Buffer[] = [];
  const values: Buffer[] = [];
  if (r.headers) {
    for (const name of Object.keys(r.headers)) {
      const n = Buffer.from(name, 'utf8');
      const v = r.headers[name];
      names.push(n);
      values.push(v);
      headerBytes += 2 + n.length + 4 + v.length;
    }
  }
  const keyBytes = r.key ? r.key.length : 0;
  const codecBytes = codec === 'none' ? 0 : 1;
  const bodyLength = 1 + 8 + 8 + codecBytes + 4 + keyBytes + headerBytes + 4 + r.value.length;
  const buf = Buffer.allocUnsafe(FRAME_PREFIX_BYTES + bodyLength);
  let p = FRAME_PREFIX_BYTES;
  buf[p++] = codec === 'none' ? PLAIN : COMPRESSED;
  p = writeInt64(buf, p, r.offset);
  p = writeInt64(buf, p, r.timestampMs);
  if (codec !== 'none') buf[p++] = CODEC_IDS[codec];
  if (r.key) {
    buf.writeInt32LE(r.key.length, p);
    p += 4;
    p += r.key.copy(buf, p);
  } else {
    buf.writeInt32LE(-1, p);
    p += 4;
  }
  buf.writeUInt16LE(names.length, p);
  p += 2;
  for (let i = 0; i < names.length; i++) {
    buf.writeUInt16LE(names[i].length, p);
    p += 2;
    p += names[i].copy(buf, p);
    buf.writeUInt32LE(values[i].length, p);
    p += 4;
    p += values[i].copy(buf, p);
  }
  buf.writeUInt32LE(r.value.length, p);
  p += 4;
  r.value.copy(buf, p);
  buf.writeUInt32LE(bodyLength, 0);
  buf.writeUInt32LE(crc32(buf.subarray(FRAME_PREFIX_BYTES)), 4);
  return buf;
}

/** Result of checking the frame at a position: its total length, or why it is not a frame. */
export type FrameCheck =
  | { readonly ok: true; readonly length: number }
  | { readonly ok: false; readonly incomplete: boolean; readonly reason: string };

/**
 * Checks the frame starting at `pos` of `buf`. `incomplete` means the bytes end inside the frame
 * (read more, or a torn tail); otherwise the bytes are not a valid frame.
 */
export function checkFrame(buf: Buffer, pos: number, maxBodyBytes: number, verifyCrc: boolean): FrameCheck {
  if (buf.length - pos < FRAME_PREFIX_BYTES) return { ok: false, incomplete: true, reason: 'truncated frame prefix' };
  const bodyLength = buf.readUInt32LE(pos);
  if (bodyLength < MIN_BODY_BYTES || bodyLength > maxBodyBytes) {
    return { ok: false, incomplete: false, reason: `implausible frame length ${bodyLength}` };
  }
  const end = pos + FRAME_PREFIX_BYTES + bodyLength;
  if (end > buf.length) return { ok: false, incomplete: true, reason: `truncated frame (needs ${bodyLength} body bytes)` };
  const version = buf[pos + FRAME_PREFIX_BYTES];
  if (version !== PLAIN && version !== COMPRESSED && version !== RUN && version !== DICTIONARY_RUN && version !== SERIES_CHUNK_RUN) {
    return { ok: false, incomplete: false, reason: `unknown frame version ${version}` };
  }
  if (verifyCrc) {
    const expected = buf.readUInt32LE(pos + 4);
    const actual = crc32(buf.subarray(pos + FRAME_PREFIX_BYTES, end));
    if (expected !== actual) return { ok: false, incomplete: false, reason: 'checksum mismatch' };
  }
  if (version === COMPRESSED && bodyLength < MIN_BODY_BYTES + 1) {
    return { ok: false, incomplete: false, reason: `implausible frame length ${bodyLength}` };
  }
  if (version === COMPRESSED && CODECS_BY_ID[buf[pos + FRAME_PREFIX_BYTES + 17]] === undefined) {
    return { ok: false, incomplete: false, reason: `unknown value codec ${buf[pos + FRAME_PREFIX_BYTES + 17]}` };
  }
  const run = version === RUN || version === DICTIONARY_RUN || version === SERIES_CHUNK_RUN;
  if (run && bodyLength < RUN_HEADER_BYTES + (version === RUN ? 0 : 4)) {
    return { ok: false, incomplete: false, reason: `implausible run frame length ${bodyLength}` };
  }
  if (run && buf[pos + FRAME_PREFIX_BYTES + 17] !== RUN_BROTLI) {
    return { ok: false, incomplete: false, reason: `unknown run codec ${buf[pos + FRAME_PREFIX_BYTES + 17]}` };
  }
  if (run && buf.readUInt32LE(pos + FRAME_PREFIX_BYTES + 18) === 0) {
    return { ok: false, incomplete: false, reason: 'run frame of no records' };
  }
  return { ok: true, length: FRAME_PREFIX_BYTES + bodyLength };
}

/** Whether the (already checked) frame at `pos` is a run of records (version 3, 4 or 5). */
export function isRunFrame(buf: Buffer, pos: number): boolean {
  const version = buf[pos + FRAME_PREFIX_BYTES];
  return version === RUN || version === DICTIONARY_RUN || version === SERIES_CHUNK_RUN;
}

/** How many offsets the (already checked) frame at `pos` covers: 1, or a run's record count. */
export function frameRecordCount(buf: Buffer, pos: number): number {
  return isRunFrame(buf, pos) ? buf.readUInt32LE(pos + FRAME_PREFIX_BYTES + 18) : 1;
}

export interface RunFrameInput {
  readonly firstOffset: number;
  readonly recordCount: number;
  /** Newest timestamp of the run's records. */
  readonly maxTimestampMs: number;
  /** Length of the records' version 1 frames, concatenated, before compression. */
  readonly rawLength: number;
  /** Those frames (or, with `dictionaryLength`, their series-dictionary form), compressed with brotli. */
  readonly compressed: Buffer;
  /** For a run in series-dictionary form (version 4 or 5): that form's length before compression. */
  readonly dictionaryLength?: number;
  /** With `dictionaryLength`: the form holds its samples as series chunks (version 5). */
  readonly seriesChunks?: boolean;
}

/** Encodes a run frame (version 3; 4 with `dictionaryLength`; 5 with `seriesChunks` too). */
export function encodeRunFrame(r: RunFrameInput): Buffer {
  const dictionary = r.dictionaryLength !== undefined;
  const headerBytes = RUN_HEADER_BYTES + (dictionary ? 4 : 0);
  const bodyLength = headerBytes + r.compressed.length;
  const buf = Buffer.allocUnsafe(FRAME_PREFIX_BYTES + bodyLength);
  let p = FRAME_PREFIX_BYTES;
  buf[p++] = !dictionary ? RUN : r.seriesChunks === true ? SERIES_CHUNK_RUN : DICTIONARY_RUN;
  p = writeInt64(buf, p, r.firstOffset);
  p = writeInt64(buf, p, r.maxTimestampMs);
  buf[p++] = RUN_BROTLI;
  buf.writeUInt32LE(r.recordCount, p);
  buf.writeUInt32LE(r.rawLength, p + 4);
  if (dictionary) buf.writeUInt32LE(r.dictionaryLength!, p + 8);
  r.compressed.copy(buf, FRAME_PREFIX_BYTES + headerBytes);
  buf.writeUInt32LE(bodyLength, 0);
  buf.writeUInt32LE(crc32(buf.subarray(FRAME_PREFIX_BYTES)), 4);
  return buf;
}

/** What a run frame holds once checked. */
export interface RunFrameContent {
  /** The compressed records (a view). */
  readonly compressed: Buffer;
  /** Length of the records' version 1 frames. */
  readonly rawLength: number;
  /** For a run in series-dictionary form (version 4 or 5): what `compressed` inflates to, in bytes. */
  readonly dictionaryLength?: number;
  /** Whether that form holds its samples as series chunks (version 5). */
  readonly seriesChunks: boolean;
}

/** The (already checked) run frame at `pos`. */
export function runFrameContent(buf: Buffer, pos: number): RunFrameContent {
  const body = pos + FRAME_PREFIX_BYTES;
  const end = body + buf.readUInt32LE(pos);
  const rawLength = buf.readUInt32LE(body + 22);
  if (buf[body] === RUN) return { compressed: buf.subarray(body + RUN_HEADER_BYTES, end), rawLength, seriesChunks: false };
  return { compressed: buf.subarray(body + RUN_HEADER_BYTES + 4, end), rawLength, dictionaryLength: buf.readUInt32LE(body + 26), seriesChunks: buf[body] === SERIES_CHUNK_RUN };
}

/** Offset of the (already checked) frame at `pos`: a run's first. */
export function frameOffset(buf: Buffer, pos: number): number {
  return readInt64(buf, pos + FRAME_PREFIX_BYTES + 1);
}

/** Timestamp of the (already checked) frame at `pos`: a run's newest. */
export function frameTimestamp(buf: Buffer, pos: number): number {
  return readInt64(buf, pos + FRAME_PREFIX_BYTES + 9);
}

/** Codec of the (already checked) frame's stored value: 'none' for a version 1 frame. */
export function frameCodec(buf: Buffer, pos: number): StoredCodec {
  if (buf[pos + FRAME_PREFIX_BYTES] === PLAIN) return 'none';
  return CODECS_BY_ID[buf[pos + FRAME_PREFIX_BYTES + 17]] ?? 'none';
}

/**
 * Decodes the (already checked) frame at `pos`. Key, header values and value are views into
 * `buf`, not copies: the caller hands out a fresh buffer per read. The value is as stored: the
 * caller decompresses it when `frameCodec` is not 'none'.
 */
export function decodeFrame(buf: Buffer, pos: number, topic: string, partition: number): BusRecord {
  let p = pos + FRAME_PREFIX_BYTES;
  const version = buf[p++];
  const offset = readInt64(buf, p);
  const timestampMs = readInt64(buf, p + 8);
  p += version === PLAIN ? 16 : 17;
  const keyLength = buf.readInt32LE(p);
  p += 4;
  let key: Buffer | null = null;
  if (keyLength >= 0) {
    key = buf.subarray(p, p + keyLength);
    p += keyLength;
  }
  const headerCount = buf.readUInt16LE(p);
  p += 2;
  const headers: Record<string, Buffer> = {};
  for (let i = 0; i < headerCount; i++) {
    const nl = buf.readUInt16LE(p);
    p += 2;
    const name = buf.toString('utf8', p, p + nl);
    p += nl;
    const vl = buf.readUInt32LE(p);
    p += 4;
    // defineProperty: a header named `__proto__` must stay an own property, not swap the prototype.
    Object.defineProperty(headers, name, { value: buf.subarray(p, p + vl), enumerable: true, writable: true, configurable: true });
    p += vl;
  }
  const valueLength = buf.readUInt32LE(p);
  p += 4;
  const value = buf.subarray(p, p + valueLength);
  return { topic, partition, offset, timestampMs, key, value, headers };
}

function writeInt64(buf: Buffer, p: number, v: number): number {
  const hi = Math.floor(v / TWO_32);
  buf.writeUInt32LE(v - hi * TWO_32, p);
  buf.writeInt32LE(hi, p + 4);
  return p + 8;
}

function readInt64(buf: Buffer, p: number): number {
  return buf.readInt32LE(p + 4) * TWO_32 + buf.readUInt32LE(p);
}
