import type { SeriesProblem } from './decoded-write-request.js';

const WAYS = 4;
const EMPTY = 0x7fffffff;
/** Bytes before each key in the arena: its entry number (-1 once evicted), its last use, its length. */
const ENTRY_HEAD = 12;

/**
 * Labels objects of whole series keyed by the encoded bytes of their Label fields. A Prometheus
 * server sends the same series again every scrape interval with byte-identical labels, so a hit
 * returns the labels object (and the verdict of its validation) built the first time: one
 * comparison over the bytes, nothing decoded or allocated, and downstream caches keyed by the
 * labels object (partition, interned symbols) hit too. Size it above the number of series a
 * receiver sees per interval (default 131,072 slots, 32 MiB of key bytes). Labels objects are
 * immutable (schemas/labels.ts), so sharing them across requests is safe.
 *
 * Keys sit in a byte arena in the order they were first stored, each after a small header, and
 * their labels in arrays of the same order. A sender repeats its series in the same order, so the
 * key after the last one found is tried first, compared in full without hashing: a request of
 * known series walks the arena and the arrays front to back (memory the processor prefetches)
 * instead of jumping to a hashed place per series. Other keys are found through a four-way set
 * associative table with two candidate sets per key and least-recently-used eviction; a set's
 * bookkeeping (hash, length, entry offset per way) sits in one 64-byte cache line. Bytes are
 * hashed and compared four at a time through DataViews (which the JIT turns into plain loads).
 * The arena is cleared when full.
 */
export class SeriesLabelsCache {
  /** Per entry (in arena order): its labels and their validation verdict. */
  private labels: (Record<string, string> | undefined)[] = [];
  private invalid: (SeriesProblem | undefined)[] = [];
  /** Per slot: hash, key length, arena offset of its entry (-1 = empty), unused. */
  private readonly meta: Int32Array;
  private readonly arena: DataView;
  private readonly arenaBytes: Uint8Array;
  private readonly setMask: number;
  private readonly setShift: number;
  private victim = -1;
  private maxAge = -1;
  private arenaUsed = 0;
  /** Slot of the last miss (where `store` goes); entry of the last hit. */
  private slot = 0;
  private entry = 0;
  private hash = 0;
  private tick = 0;
  /** Arena offset of the entry after the last one found or stored: the first guess for the next key. */
  private next = 0;

  constructor(slots = 1 << 17, arenaBytes = 32 << 20) {
    const n = 1 << Math.ceil(Math.log2(Math.max(WAYS, slots)));
    this.setMask = n / WAYS - 1;
    this.setShift = n / WAYS > 1 ? 32 - Math.log2(n / WAYS) : 0; // a shift by 32 would be a shift by 0
    this.meta = new Int32Array(n * 4);
    for (let i = 0; i < n; i++) this.meta[i * 4 + 2] = -1;
    this.arenaBytes = new Uint8Array(arenaBytes);
    this.arena = new DataView(this.arenaBytes.buffer);
  }

  /** The cached labels for bytes `[start, end)` of `view`, or undefined (then `store` may follow). */
  get(view: DataView, start: number, end: number): Record<string, string> | undefined {
    const len = end - start;
    const arena = this.arena;
    const tick = (this.tick = (this.tick + 1) | 0);
    const e = this.next;
    // `next` is always an entry's start (or the arena's end): the arena only grows until cleared.
    if (e + ENTRY_HEAD + len <= this.arenaUsed) {
      const entry = arena.getInt32(e, true);
      if (entry >= 0 && arena.getInt32(e + 8, true) === len && this.sameBytes(e + ENTRY_HEAD, view, start, len)) {
        arena.setInt32(e + 4, tick, true);
        this.entry = entry;
        this.next = e + ENTRY_HEAD + len;
        return this.labels[entry];
      }
    }
    const h = hashBytes(view, start, end);
    this.hash = h;
    // Two candidate sets (two-choice hashing): a key lives in either, so a set that happens to
    // draw more keys than it has ways spills into the key's other set instead of thrashing.
    const a = (h & this.setMask) * WAYS;
    const b = (((Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0) >>> this.setShift) & this.setMask) * WAYS;
    this.victim = -1;
    this.maxAge = -1;
    if (this.probe(a, h, len, view, start, tick) || (b !== a && this.probe(b, h, len, view, start, tick))) {
      return this.labels[this.entry];
    }
    this.slot = this.victim;
    return undefined;
  }

  /** Looks for the key in one set; remembers the best victim seen so far (an empty way, else the least recently used). */
  private probe(base: number, h: number, len: number, view: DataView, start: number, tick: number): boolean {
    const meta = this.meta;
    const arena = this.arena;
    for (let w = 0; w < WAYS; w++) {
      const slot = base + w;
      const m = slot * 4;
      const off = meta[m + 2];
      if (off < 0) {
        if (this.maxAge !== EMPTY) {
          this.victim = slot;
          this.maxAge = EMPTY;
        }
        continue;
      }
      if (meta[m] === h && meta[m + 1] === len && this.sameBytes(off + ENTRY_HEAD, view, start, len)) {
        arena.setInt32(off + 4, tick, true);
        this.entry = arena.getInt32(off, true);
        this.next = off + ENTRY_HEAD + len;
        return true;
      }
      const age = (tick - arena.getInt32(off + 4, true)) | 0; // wraps correctly while ages stay below 2^31
      if (age > this.maxAge && this.maxAge !== EMPTY) {
        this.maxAge = age;
        this.victim = slot;
      }
    }
    return false;
  }

  private sameBytes(off: number, view: DataView, start: number, len: number): boolean {
    const arena = this.arena;
    let j = 0;
    for (; j + 4 <= len; j += 4) if (arena.getInt32(off + j, true) !== view.getInt32(start + j, true)) return false;
    for (; j < len; j++) if (arena.getUint8(off + j) !== view.getUint8(start + j)) return false;
    return true;
  }

  /** The validation verdict of the labels `get` just returned. */
  invalidOfLast(): SeriesProblem | undefined {
    return this.invalid[this.entry];
  }

  /** Stores labels for the bytes of the last `get` miss. */
  store(
    bytes: Uint8Array,
    start: number,
    end: number,
    labels: Record<string, string>,
    invalid: SeriesProblem | undefined,
  ): void {
    const len = end - start;
    const size = this.arenaBytes.length;
    if (len > size / 64) return; // huge label sets are not worth a cache slot
    const meta = this.meta;
    const arena = this.arena;
    if (this.arenaUsed + ENTRY_HEAD + len > size) {
      for (let i = 2; i < meta.length; i += 4) meta[i] = -1;
      this.arenaUsed = 0;
      this.labels = [];
      this.invalid = [];
    }
    const m = this.slot * 4;
    const old = meta[m + 2];
    if (old >= 0) {
      // The evicted key's entry stays in the arena, marked dead; its labels are let go.
      const gone = arena.getInt32(old, true);
      this.labels[gone] = undefined;
      this.invalid[gone] = undefined;
      arena.setInt32(old, -1, true);
    }
    const e = this.arenaUsed;
    const entry = this.labels.length;
    arena.setInt32(e, entry, true);
    arena.setInt32(e + 4, this.tick, true);
    arena.setInt32(e + 8, len, true);
    this.arenaBytes.set(bytes.subarray(start, end), e + ENTRY_HEAD);
    meta[m] = this.hash;
    meta[m + 1] = len;
    meta[m + 2] = e;
    this.arenaUsed = e + ENTRY_HEAD + len;
    this.next = this.arenaUsed;
    this.labels.push(Object.freeze(labels) as Record<string, string>);
    this.invalid.push(invalid);
  }
}

/** MurmurHash3 (x86, 32-bit) of bytes `[start, end)` of `view`: well mixed in every bit, so sets fill evenly. */
export function hashBytes(view: DataView, start: number, end: number): number {
  let h = (end - start) | 0;
  let i = start;
  for (const stop = end - 3; i < stop; i += 4) {
    let k = view.getInt32(i, true);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i < end) {
    let k = 0;
    for (let s = 0; i < end; i++, s += 8) k |= view.getUint8(i) << s;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
