import { sharedMemory, SLAB_BYTES } from '../shared-memory/index.js';

/**
 * Samples per column slab: 8 × 2^17 = 1 MiB, under glibc's largest mmap threshold (32 MiB), so
 * the memory of earlier selects is reused rather than mapped afresh and page-faulted in (a large
 * select spent a fifth of its CPU time in the kernel that way).
 */
export const SLAB_SAMPLES = SLAB_BYTES / 8;

/**
 * Cuts a select's column windows, series after series, from shared slabs (a timestamps slab and a
 * values slab, a window at the same offset of both). Slabs come from `pooled` (a select slab
 * pool's, SLAB_SAMPLES long) while it has them; then they are allocated: SLAB_SAMPLES long, or
 * what is left of the select when less (zeroing a whole one costs a small select more than its
 * read), or the series' bound when more.
 *
 * A select that needs no values (`valuesUnused`, SelectHints.timestampsOnly) gets timestamp slabs
 * only: `slabV`/`pooledV` name the timestamp slabs again, so a series' values column is its
 * timestamps, and the values a decoder writes go to one scratch column every window reuses.
 * `count by (job) ({job=~".+"})` over 20,000 series x 6 h otherwise cut 235 MB of values nobody
 * reads, past the slab pool, and each 256 MB of fresh shared memory costs a major collection.
 */
export class ColumnSlabs {
  readonly slabT: SharedArrayBuffer[] = [];
  readonly slabV: SharedArrayBuffer[] = [];
  /**
   * Per slab: which of the slabs `pooled` gave (in the order given) it is, or -1 when allocated.
   * A slab that crossed threads is another object there: this is how its sender finds its own.
   */
  readonly pooledT: number[] = [];
  readonly pooledV: number[] = [];
  private given = 0;
  private colT: Float64Array = new Float64Array(0);
  private colV: Float64Array = this.colT;
  private off = 0;
  /** Where decoders write the values of a select that needs none (see the class comment). */
  private scratchV: Float64Array = this.colT;
  /** The window last cut: its columns and its offset in the last slabs. */
  t: Float64Array = this.colT;
  v: Float64Array = this.colV;
  at = 0;

  constructor(
    private remaining: number,
    private readonly pooled: () => SharedArrayBuffer | null,
    private readonly valuesUnused = false,
  ) {}

  /** Slabs `pooled` is asked for when it has them all, for windows of these bounds in order. */
  static pooledNeeded(bounds: Iterable<number>, valuesUnused = false): number {
    const perWindow = valuesUnused ? 1 : 2;
    let n = 0;
    let off = 0;
    let size = 0;
    for (const bound of bounds) {
      if (off + bound > size) {
        if (bound <= SLAB_SAMPLES) n += perWindow;
        size = Math.max(SLAB_SAMPLES, bound);
        off = 0;
      }
      off += bound;
    }
    return n;
  }

  /** Index of the slabs the last window is in. */
  get slab(): number {
    return this.slabT.length - 1;
  }

  /** Cuts the next series' window of `bound` samples (`t`, `v`, at `at` of slab `slab`). */
  cut(bound: number): void {
    if (this.off + bound > this.colT.length) this.nextSlabs(bound);
    this.at = this.off;
    this.t = this.colT.subarray(this.off, this.off + bound);
    if (this.valuesUnused) {
      if (this.scratchV.length < bound) this.scratchV = new Float64Array(Math.max(bound, 2 * this.scratchV.length));
      this.v = this.scratchV.subarray(0, bound);
    } else {
      this.v = this.colV.subarray(this.off, this.off + bound);
    }
    // The unused rest of the window stays unused: the next series starts after the bound.
    this.off += bound;
    this.remaining -= bound;
  }

  private nextSlabs(bound: number): void {
    if (this.valuesUnused) {
      this.nextTimestampSlab(bound);
      return;
    }
    const t = bound <= SLAB_SAMPLES ? this.pooled() : null;
    const v = t === null ? null : this.pooled();
    if (t !== null) {
      this.slabT.push(t);
      this.pooledT.push(this.given++);
      this.slabV.push(v ?? sharedMemory().allocate(SLAB_BYTES));
      this.pooledV.push(v === null ? -1 : this.given++);
    } else {
      const size = Math.max(Math.min(SLAB_SAMPLES, this.remaining), bound);
      this.slabT.push(sharedMemory().allocate(size * 8));
      this.slabV.push(sharedMemory().allocate(size * 8));
      this.pooledT.push(-1);
      this.pooledV.push(-1);
    }
    this.colT = new Float64Array(this.slabT[this.slab]);
    this.colV = new Float64Array(this.slabV[this.slab]);
    this.off = 0;
  }

  /** nextSlabs without values: one slab, named as both columns'. */
  private nextTimestampSlab(bound: number): void {
    const pooled = bound <= SLAB_SAMPLES ? this.pooled() : null;
    const slab = pooled ?? sharedMemory().allocate(Math.max(Math.min(SLAB_SAMPLES, this.remaining), bound) * 8);
    const at = pooled === null ? -1 : this.given++;
    this.slabT.push(slab);
    this.slabV.push(slab);
    this.pooledT.push(at);
    this.pooledV.push(at);
    this.colT = new Float64Array(slab);
    this.colV = this.colT;
    this.off = 0;
  }
}
