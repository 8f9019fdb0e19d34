type LabelSet = Readonly<Record<string, string>>;

const OFFSET = 0xcbf29ce484222325n;
const PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;
const encoder = new TextEncoder();

/**
 * prometheus/common `LabelSet.Fingerprint()`: FNV-1a 64 over `name 0xff value 0xff` for each
 * label in ascending name order, printed as 16 hex digits. It is the alert ID in Alertmanager.
 */
export function alertFingerprint(labels: LabelSet): string {
  let h = OFFSET;
  const step = (b: number) => {
    h ^= BigInt(b);
    h = (h * PRIME) & MASK;
  };
  const names = Object.keys(labels).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const n of names) {
    for (const b of encoder.encode(n)) step(b);
    step(0xff);
    for (const b of encoder.encode(labels[n]!)) step(b);
    step(0xff);
  }
  return h.toString(16).padStart(16, '0');
}
