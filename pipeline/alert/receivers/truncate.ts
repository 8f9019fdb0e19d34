/** Alertmanager's truncation marker: one rune (three bytes in UTF-8). */
const MARKER = '…';

/** notify.TruncateInRunes: at most `n` runes, the last replaced by `…` when cut. */
export function truncateInRunes(s: string, n: number): string {
  const runes = [...s];
  if (runes.length <= n) return s;
  if (n <= 3) return runes.slice(0, n).join('');
  return runes.slice(0, n - 1).join('') + MARKER;
}

/** notify.TruncateInBytes: at most `n` UTF-8 bytes, cut on a rune boundary, `…` appended when cut. */
export function truncateInBytes(s: string, n: number): string {
  if (Buffer.byteLength(s) <= n) return s;
  if (n <= 3) return n === 3 ? MARKER : '.'.repeat(n);
  let bytes = 0;
  let out = '';
  for (const r of s) {
    const b = Buffer.byteLength(r);
    if (bytes + b > n - 3) break;
    bytes += b;
    out += r;
  }
  return out + MARKER;
}
