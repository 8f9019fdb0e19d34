/**
 * Labels objects of whole series keyed by the encoded bytes of their Label fields. A Prometheus
 * server sends the same series again every scrape interval with byte-identical labels, so a hit
 * returns the labels object (and the verdict of its validation) built the first time: one hash
 * and one comparison over the bytes, nothing decoded or allocated. Size it above the number of
 * series a receiver sees per interval (default 131,072 slots, 32 MiB of key bytes). Labels objects are immutable
 * (schemas/labels.ts), so sharing them across requests is safe. Two-way set associative; the
 * byte arena is cleared when full.
 */
export class SeriesLabelsCache {
  private readonly labels: (Record<string, string> | undefined)[];
  private readonly invalid: ({ message: string; label?: string } | undefined)[];
  private readonly hashes: Int32Array;
  private readonly offsets: Int32Array;
  private readonly lengths: Int32Array;
  private readonly arena: Buffer;
  private readonly victim: Uint8Array;
  private readonly mask: number;
  private arenaUsed = 0;
  private slot = 0;
  private hash = 0;

  constructor(slots = 1 << 17, arenaBytes = 32 << 20) {
    const n = 1 << Math.ceil(Math.log2(Math.max(2, slots)));
    this.mask = n - 1;
    this.labels = new Array(n).fill(undefined);
    this.invalid = new Array(n).fill(undefined);
    this.hashes = new Int32Array(n);
    this.offsets = new Int32Array(n).fill(-1);
    this.lengths = new Int32Array(n);
    this.arena = Buffer.allocUnsafe(arenaBytes); // bytes are read only where offsets say they were written
    this.victim = new Uint8Array(n >> 1);
  }

  /** The cached labels for `buf[start, end)`, or undefined (then `store` may follow). */
  get(buf: Buffer, start: number, end: number): Record<string, string> | undefined {
    const len = end - start;
    let h = len | 0;
    let i = start;
    for (; i + 4 <= end; i += 4) {
      h = Math.imul(h ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24)), 0x9e3779b1);
      h ^= h >>> 15;
    }
    for (; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193);
    // Two-way set associative: a key may live in either slot of its pair.
    const base = ((h ^ (h >>> 16)) & this.mask) & ~1;
    this.hash = h;
    if (this.matches(base, h, buf, start, len)) {
      this.slot = base;
      return this.labels[base];
    }
    if (this.matches(base + 1, h, buf, start, len)) {
      this.slot = base + 1;
      return this.labels[base + 1];
    }
    // The victim for a following store: an empty slot, else the one not used most recently.
    this.slot = this.offsets[base] < 0 ? base : this.offsets[base + 1] < 0 ? base + 1 : base + this.victim[base >> 1];
    return undefined;
  }

  private matches(slot: number, h: number, buf: Buffer, start: number, len: number): boolean {
    if (this.hashes[slot] !== h || this.lengths[slot] !== len) return false;
    const off = this.offsets[slot];
    if (off < 0) return false;
    const arena = this.arena;
    for (let j = 0; j < len; j++) if (arena[off + j] !== buf[start + j]) return false;
    this.victim[slot >> 1] = (slot & 1) ^ 1;
    return true;
  }

  /** The validation verdict of the labels `get` just returned. */
  invalidOfLast(): { message: string; label?: string } | undefined {
    return this.invalid[this.slot];
  }

  /** Stores labels for the bytes of the last `get` miss. */
  store(buf: Buffer, start: number, end: number, labels: Record<string, string>, invalid: { message: string; label?: string } | undefined): void {
    const len = end - start;
    if (len > this.arena.length / 64) return; // huge label sets are not worth a cache slot
    if (this.arenaUsed + len > this.arena.length) {
      this.offsets.fill(-1);
      this.arenaUsed = 0;
    }
    const slot = this.slot;
    buf.copy(this.arena, this.arenaUsed, start, end);
    this.victim[slot >> 1] = (slot & 1) ^ 1;
    this.offsets[slot] = this.arenaUsed;
    this.arenaUsed += len;
    this.hashes[slot] = this.hash;
    this.lengths[slot] = len;
    this.labels[slot] = Object.freeze(labels) as Record<string, string>;
    this.invalid[slot] = invalid;
  }
}
