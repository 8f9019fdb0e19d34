import { crc32 } from './crc32.js';

/**
 * Sparse index of one segment: every `intervalBytes` of log, the offset and byte position of a
 * record, plus the largest timestamp of the records before it in the segment. Offset lookups
 * binary-search it; timestamp lookups use the running maximum (timestamps need not be monotonic).
 *
 * Persisted beside a sealed segment as `<base>.index` (Float64 array: magic, version, crc32 of the
 * rest, segment bytes, next offset, max timestamp, entry count, then offset/position/maxBefore
 * triples). A missing or mismatched index file is rebuilt by scanning the segment.
 */
const MAGIC = 0x54_4d_49_58; // "TMIX"
const VERSION = 1;
const HEADER = 7;

export class SegmentIndex {
  offsets: number[] = [];
  positions: number[] = [];
  maxBefore: number[] = [];
  private lastPosition = -Infinity;

  constructor(private readonly intervalBytes: number) {}

  /** Called for each record in order; adds an entry when the interval has passed. */
  observe(offset: number, position: number, maxTimestampBefore: number): void {
    if (position - this.lastPosition < this.intervalBytes) return;
    this.offsets.push(offset);
    this.positions.push(position);
    this.maxBefore.push(maxTimestampBefore);
    this.lastPosition = position;
  }

  /** Index of the last entry whose offset is <= `offset` (0 when none is). */
  floorByOffset(offset: number): number {
    return floor(this.offsets, offset, (v, t) => v <= t);
  }

  /** Index of the last entry before which every timestamp is < `timestampMs`. */
  floorByTimestamp(timestampMs: number): number {
    return floor(this.maxBefore, timestampMs, (v, t) => v < t);
  }

  serialize(segmentBytes: number, nextOffset: number, maxTimestamp: number): Buffer {
    const n = this.offsets.length;
    const arr = new Float64Array(HEADER + n * 3);
    arr[0] = MAGIC;
    arr[1] = VERSION;
    arr[3] = segmentBytes;
    arr[4] = nextOffset;
    arr[5] = maxTimestamp;
    arr[6] = n;
    for (let i = 0; i < n; i++) {
      arr[HEADER + i * 3] = this.offsets[i];
      arr[HEADER + i * 3 + 1] = this.positions[i];
      arr[HEADER + i * 3 + 2] = this.maxBefore[i];
    }
    const buf = Buffer.from(arr.buffer);
    arr[2] = crc32(buf.subarray(3 * 8));
    return buf;
  }

  /** Parses a persisted index; undefined when it is damaged or describes a different file size. */
  static deserialize(
    buf: Buffer,
    intervalBytes: number,
    segmentBytes: number,
  ): { index: SegmentIndex; nextOffset: number; maxTimestamp: number } | undefined {
    if (buf.length < HEADER * 8 || buf.length % 8 !== 0) return undefined;
    const arr = new Float64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
    if (arr[0] !== MAGIC || arr[1] !== VERSION || arr[3] !== segmentBytes) return undefined;
    const n = arr[6];
    if (arr.length !== HEADER + n * 3) return undefined;
    if (arr[2] !== crc32(buf.subarray(3 * 8))) return undefined;
    const index = new SegmentIndex(intervalBytes);
    for (let i = 0; i < n; i++) {
      index.offsets.push(arr[HEADER + i * 3]);
      index.positions.push(arr[HEADER + i * 3 + 1]);
      index.maxBefore.push(arr[HEADER + i * 3 + 2]);
    }
    index.lastPosition = n > 0 ? index.positions[n - 1] : -Infinity;
    return { index, nextOffset: arr[4], maxTimestamp: arr[5] };
  }
}

function floor(values: number[], target: number, ok: (v: number, t: number) => boolean): number {
  let lo = 0;
  let hi = values.length - 1;
  let found = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (ok(values[mid], target)) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
