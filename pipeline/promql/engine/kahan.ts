/** Neumaier-improved Kahan summation step, as Prometheus's kahanSumInc. Returns [sum, c] via out. */
export function kahanSumInc(inc: number, sum: number, c: number, out: { s: number; c: number }): void {
  const t = sum + inc;
  if (t === Infinity || t === -Infinity) c = 0;
  else if (Math.abs(sum) >= Math.abs(inc)) c += (sum - t) + inc;
  else c += (inc - t) + sum;
  out.s = t;
  out.c = c;
}

/** Kahan sum of `vs[lo..hi)`. */
export function kahanSum(vs: ArrayLike<number>, lo: number, hi: number): number {
  let sum = 0;
  let c = 0;
  for (let i = lo; i < hi; i++) {
    const inc = vs[i];
    const t = sum + inc;
    if (t === Infinity || t === -Infinity) c = 0;
    else if (Math.abs(sum) >= Math.abs(inc)) c += (sum - t) + inc;
    else c += (inc - t) + sum;
    sum = t;
  }
  return sum + c;
}
