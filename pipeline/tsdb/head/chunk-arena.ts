import { sharedMemory } from '../shared-memory/index.js';

/**
 * Closed head chunks packed into shared 1 MiB slabs instead of one Uint8Array each: a typed
 * array costs about 150 bytes of object overhead, more than a typical closed chunk. A chunk is
 * addressed by a location number (`slab * 2^21 + offset`) plus its length, which its series
 * keeps. Slabs fill in time order, so truncation empties old slabs whole; a slab left sparse is
 * reported so the head can move its live chunks out (`compact`).
 */
export const SLAB_BYTES = 1 << 20;
const SLAB_SHIFT = 2 ** 21;

export class ChunkArena {
  private readonly slabs: (Uint8Array | null)[] = [];
  private readonly live: number[] = [];
  private cur = -1;
  private off = SLAB_BYTES;

  /**
   * Copies `n` bytes of `src` from `from` on into the current slab (a new one when full) and
   * returns its location.
   */
  put(src: Uint8Array, from = 0, n = src.length - from): number {
    if (from < 0 || n < 0 || from + n > src.length) throw new RangeError(`bytes ${from}..${from + n} are outside a source of ${src.length}`);
    if (n > SLAB_BYTES) throw new RangeError(`chunk of ${n} bytes exceeds the slab size`);
    if (this.off + n > SLAB_BYTES) {
      let i = this.slabs.indexOf(null);
      if (i < 0) i = this.slabs.length;
      // Shared memory: a select's decode threads read closed chunks where they are (a slab is
      // never written below its fill offset, and a freed slab is never reused).
      this.slabs[i] = new Uint8Array(sharedMemory().allocate(SLAB_BYTES));
      this.live[i] = 0;
      this.cur = i;
      this.off = 0;
    }
    const slab = this.slabs[this.cur]!;
    // A plain view, dead at once (a Buffer's subarray goes through its species constructor).
    slab.set(from === 0 && n === src.length ? src : new Uint8Array(src.buffer, src.byteOffset + from, n), this.off);
    const loc = this.cur * SLAB_SHIFT + this.off;
    this.off += n;
    this.live[this.cur] += n;
    return loc;
  }

  /** A view of the chunk at `loc` (no copy). */
  view(loc: number, length: number): Uint8Array {
    const slab = this.slabs[Math.floor(loc / SLAB_SHIFT)]!;
    const off = loc % SLAB_SHIFT;
    return slab.subarray(off, off + length);
  }

  /** The sample count in the header of the chunk at `loc` (encodedSampleCount without a view). */
  sampleCount(loc: number): number {
    const slab = this.slabs[Math.floor(loc / SLAB_SHIFT)]!;
    const off = loc % SLAB_SHIFT;
    return (slab[off] << 8) | slab[off + 1];
  }

  /** The shared buffer that holds the chunk at `loc`. */
  bufferOf(loc: number): SharedArrayBuffer {
    return this.slabs[Math.floor(loc / SLAB_SHIFT)]!.buffer as SharedArrayBuffer;
  }

  /** Where the chunk at `loc` starts in `bufferOf(loc)` (a slab spans its whole buffer). */
  offsetOf(loc: number): number {
    return loc % SLAB_SHIFT;
  }

  /** Releases a chunk; a slab with nothing live left is dropped (the current one is reused). */
  free(loc: number, length: number): void {
    const i = Math.floor(loc / SLAB_SHIFT);
    this.live[i] -= length;
    if (this.live[i] <= 0 && i !== this.cur) {
      this.slabs[i] = null;
      this.live[i] = 0;
    }
  }

  /** Whether the slab holding `loc` is less than half live (worth moving its chunks out). */
  isSparse(loc: number): boolean {
    const i = Math.floor(loc / SLAB_SHIFT);
    return i !== this.cur && this.live[i] < SLAB_BYTES / 2;
  }

  /** True when some closed slab is less than half live. */
  hasSparseSlabs(): boolean {
    for (let i = 0; i < this.slabs.length; i++) if (i !== this.cur && this.slabs[i] !== null && this.live[i] < SLAB_BYTES / 2) return true;
    return false;
  }

  /** Bytes held by slabs (allocated, live or not). */
  get allocatedBytes(): number {
    let n = 0;
    for (const s of this.slabs) if (s !== null) n += s.length;
    return n;
  }

  get liveBytes(): number {
    let n = 0;
    for (const x of this.live) n += x;
    return n;
  }
}
