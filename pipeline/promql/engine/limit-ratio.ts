import { compareStrings, type Labels } from '../../../schemas/labels.js';

const M = (1n << 64n) - 1n;
const P1 = 11400714785074694791n;
const P2 = 14029467366897019727n;
const P3 = 1609587929392839161n;
const P4 = 9650029242287828579n;
const P5 = 2870177450012600261n;

const rotl = (x: bigint, r: bigint) => ((x << r) | (x >> (64n - r))) & M;
const round = (acc: bigint, lane: bigint) => (rotl((acc + lane * P2) & M, 31n) * P1) & M;
const merge = (acc: bigint, v: bigint) => (((acc ^ round(0n, v)) * P1) & M) + P4 & M;

/** XXH64 with seed 0 (BigInt; only used where a few hashes per query are needed). */
export function xxh64(b: Uint8Array): bigint {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = b.length;
  let i = 0;
  let h: bigint;
  if (n >= 32) {
    let v1 = (P1 + P2) & M, v2 = P2, v3 = 0n, v4 = (M + 1n - P1) & M;
    for (; i + 32 <= n; i += 32) {
      v1 = round(v1, dv.getBigUint64(i, true));
      v2 = round(v2, dv.getBigUint64(i + 8, true));
      v3 = round(v3, dv.getBigUint64(i + 16, true));
      v4 = round(v4, dv.getBigUint64(i + 24, true));
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & M;
    h = merge(h, v1); h = merge(h, v2); h = merge(h, v3); h = merge(h, v4);
  } else {
    h = P5;
  }
  h = (h + BigInt(n)) & M;
  for (; i + 8 <= n; i += 8) {
    h ^= round(0n, dv.getBigUint64(i, true));
    h = (rotl(h, 27n) * P1 + P4) & M;
  }
  if (i + 4 <= n) {
    h ^= (BigInt(dv.getUint32(i, true)) * P1) & M;
    h = (rotl(h, 23n) * P2 + P3) & M;
    i += 4;
  }
  for (; i < n; i++) {
    h ^= (BigInt(b[i]) * P5) & M;
    h = (rotl(h, 11n) * P1) & M;
  }
  h ^= h >> 33n; h = (h * P2) & M;
  h ^= h >> 29n; h = (h * P3) & M;
  h ^= h >> 32n;
  return h;
}

/** Prometheus's `labels.Hash()`: XXH64 of `name 0xff value 0xff ...` in sorted order. */
export function prometheusLabelsHash(l: Labels): bigint {
  const parts: Buffer[] = [];
  const sep = Buffer.from([0xff]);
  for (const n of Object.keys(l).sort(compareStrings)) parts.push(Buffer.from(n), sep, Buffer.from(l[n]), sep);
  return xxh64(Buffer.concat(parts));
}

const cache = new WeakMap<Labels, number>();

/** Whether `limit_ratio(r, ...)` keeps a series: its hash offset in [0,1) against the ratio. */
export function limitRatioKeeps(r: number, l: Labels): boolean {
  let off = cache.get(l);
  if (off === undefined) {
    off = Number(prometheusLabelsHash(l)) / 18446744073709551615;
    cache.set(l, off);
  }
  return (r >= 0 && off < r) || (r < 0 && off >= 1 + r);
}
