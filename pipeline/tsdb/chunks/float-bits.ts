/**
 * Float64 <-> (hi, lo) 32-bit words through one shared typed-array view: no allocation and no
 * BigInt. NaN payloads survive here because the words never pass through a JS number as a float.
 */
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HI = LITTLE ? 1 : 0;
const LO = LITTLE ? 0 : 1;

/** Prometheus' staleness marker, 0x7ff0000000000002. */
export const STALE_HI = 0x7ff00000;
export const STALE_LO = 0x00000002;

/** Splits `v` into words; read them back with `bitsHi()` / `bitsLo()`. */
export function splitFloat(v: number): void {
  f64[0] = v;
}

export function bitsHi(): number {
  return u32[HI];
}

export function bitsLo(): number {
  return u32[LO];
}

export function joinFloat(hi: number, lo: number): number {
  u32[HI] = hi;
  u32[LO] = lo;
  return f64[0];
}

export function isStaleBits(hi: number, lo: number): boolean {
  return hi === STALE_HI && lo === STALE_LO;
}

/** The same value for storage purposes: equal, or both NaN (any payload). */
export function sameValue(a: number, b: number): boolean {
  return a === b || (a !== a && b !== b);
}
