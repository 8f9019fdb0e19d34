import { isValidLabelName } from '../../schemas/labels.js';
import { WriteRequestDecodeError } from './errors.js';

const SLOTS = 1 << 14; // power of two
const ARENA_BYTES = 1 << 20;
const MAX_CACHED = 256; // bytes of one encoded Label message

const fatalDecoder = new TextDecoder('utf-8', { fatal: true });

/** Flags of a cached label: what the series validation needs, computed once per distinct label. */
export const LABEL_NAME_LEGACY_VALID = 1;
export const LABEL_UTF8_VALID = 2;

/**
 * Decoded `prometheus.Label` messages keyed by their encoded bytes. A remote_write request (and
 * the next one from the same sender) repeats the same few thousand name/value pairs: a hit costs a
 * hash and a comparison over the pair's bytes, with no string allocation, no UTF-8 decoding and
 * no name validation (the flags are cached too). Direct-mapped: a colliding pair replaces the old
 * one; the byte arena is cleared when full.
 */
export class LabelCache {
  readonly names: string[] = new Array<string>(SLOTS).fill('');
  readonly values: string[] = new Array<string>(SLOTS).fill('');
  readonly flags = new Uint8Array(SLOTS);
  private readonly hashes = new Int32Array(SLOTS);
  private readonly offsets = new Int32Array(SLOTS).fill(-1);
  private readonly lengths = new Int32Array(SLOTS);
  private readonly arena = Buffer.allocUnsafe(ARENA_BYTES); // read only where offsets say written
  private arenaUsed = 0;
  /** Where a label that is too long to cache was decoded to (slot index -1). */
  name = '';
  value = '';
  flagsUncached = 0;

  /** Decodes the Label message in `buf[start, end)`; returns its slot, or -1 (see name/value/flagsUncached). */
  lookup(buf: Buffer, start: number, end: number): number {
    const len = end - start;
    if (len > MAX_CACHED) {
      this.decode(buf, start, end);
      this.flagsUncached = this.flagsOf(this.name, this.value, buf, start, end);
      return -1;
    }
    let h = 0x811c9dc5 | 0;
    for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193);
    const slot = (h ^ (h >>> 16)) & (SLOTS - 1);
    if (this.hashes[slot] === h && this.lengths[slot] === len) {
      const off = this.offsets[slot];
      if (off >= 0) {
        const arena = this.arena;
        let i = 0;
        while (i < len && arena[off + i] === buf[start + i]) i++;
        if (i === len) return slot;
      }
    }
    this.decode(buf, start, end);
    if (this.arenaUsed + len > ARENA_BYTES) {
      this.offsets.fill(-1);
      this.arenaUsed = 0;
    }
    buf.copy(this.arena, this.arenaUsed, start, end);
    this.offsets[slot] = this.arenaUsed;
    this.arenaUsed += len;
    this.hashes[slot] = h;
    this.lengths[slot] = len;
    this.names[slot] = this.name;
    this.values[slot] = this.value;
    this.flags[slot] = this.flagsOf(this.name, this.value, buf, start, end);
    return slot;
  }

  private flagsOf(name: string, value: string, buf: Buffer, start: number, end: number): number {
    let f = 0;
    if (isValidLabelName(name)) f |= LABEL_NAME_LEGACY_VALID;
    if (!(name.includes('\ufffd') || value.includes('\ufffd')) || isUtf8(buf, start, end)) f |= LABEL_UTF8_VALID;
    return f;
  }

  /** Plain protobuf decoding of Label{1: name, 2: value} into this.name / this.value. */
  private decode(buf: Buffer, start: number, end: number): void {
    this.name = '';
    this.value = '';
    let pos = start;
    while (pos < end) {
      const tag = buf[pos++];
      if ((tag & 7) !== 2 || tag >= 0x80) throw new WriteRequestDecodeError(`unexpected field tag ${tag} in Label`, pos - 1);
      let len = 0;
      let shift = 0;
      let b: number;
      do {
        b = buf[pos++];
        if (b === undefined || shift > 28) throw new WriteRequestDecodeError('bad string length in Label', pos);
        len |= (b & 0x7f) << shift;
        shift += 7;
      } while (b >= 0x80);
      if (len < 0 || pos + len > end) throw new WriteRequestDecodeError('string runs past the end of its Label', pos);
      const s = buf.toString('utf8', pos, pos + len);
      if (tag === 0x0a) this.name = s;
      else if (tag === 0x12) this.value = s;
      pos += len;
    }
  }
}

function isUtf8(buf: Buffer, start: number, end: number): boolean {
  try {
    fatalDecoder.decode(buf.subarray(start, end));
    return true;
  } catch {
    return false;
  }
}
