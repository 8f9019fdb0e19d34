/**
 * Prometheus' humanize family (prometheus/common helpers/templates and prometheus/template),
 * producing the same text, e.g. humanize 1048576 → "1.049M", humanizeDuration 135.3563 → "2m 15s".
 */
import { sprintf } from './go-fmt.js';
import { GoDuration, GoTime } from './go-time.js';
import { GoFloat, goTypeName, kindOf, toNumber } from './go-value.js';

/** Prometheus' convertToFloat: numbers, numeric strings and durations (in seconds). */
export function convertToFloat(i: unknown): number {
  if (i instanceof GoDuration) return i.Seconds();
  switch (kindOf(i)) {
    case 'int': case 'float': return toNumber(i);
    case 'string': {
      const s = (i as string).trim();
      const v = parseGoFloatString(s);
      if (v === undefined) throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(i)}: invalid syntax`);
      return v;
    }
    default: throw new Error(`can't convert ${goTypeName(i)} to float`);
  }
}

function parseGoFloatString(s: string): number | undefined {
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(s)) return NaN;
  if (/^[+-]?(\d[\d_]*\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number(s.replace(/_/g, ''));
  if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(s)) return Number.parseInt(s, 16);
  return undefined;
}

const g4 = (v: number, suffix = ''): string => sprintf('%.4g', [new GoFloat(v)]) + suffix;

export function humanize(i: unknown): string {
  let v = convertToFloat(i);
  if (v === 0 || !Number.isFinite(v)) return g4(v);
  if (Math.abs(v) >= 1) {
    let prefix = '';
    for (const p of ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y']) {
      if (Math.abs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return g4(v, prefix);
  }
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return g4(v, prefix);
}

export function humanize1024(i: unknown): string {
  let v = convertToFloat(i);
  if (Math.abs(v) <= 1 || !Number.isFinite(v)) return g4(v);
  let prefix = '';
  for (const p of ['ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi']) {
    if (Math.abs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return g4(v, prefix);
}

export function humanizeDuration(i: unknown): string {
  let v = convertToFloat(i);
  if (!Number.isFinite(v)) return g4(v);
  if (v === 0) return g4(v, 's');
  if (Math.abs(v) >= 1) {
    let sign = '';
    if (v < 0) { sign = '-'; v = -v; }
    const duration = Math.trunc(v);
    const seconds = duration % 60;
    const minutes = Math.trunc(duration / 60) % 60;
    const hours = Math.trunc(duration / 3600) % 24;
    const days = Math.trunc(duration / 86400);
    if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`;
    return sign + g4(v, 's');
  }
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return g4(v, prefix + 's');
}

export function humanizePercentage(i: unknown): string {
  return sprintf('%.4g%%', [new GoFloat(convertToFloat(i) * 100)]);
}

/** Seconds since the epoch → time (millisecond precision, UTC), as model.TimeFromUnixNano. */
export function floatToTime(v: number): GoTime {
  if (!Number.isFinite(v)) throw new Error('value is NaN or Inf');
  const ns = v * 1e9;
  if (ns > 9.223372036854776e18 || ns < -9.223372036854776e18) {
    throw new Error(`${sprintf('%v', [new GoFloat(v)])} cannot be represented as a nanoseconds timestamp since it overflows int64`);
  }
  return new GoTime(Math.trunc(ns / 1e6));
}

export function humanizeTimestamp(i: unknown): string {
  const v = convertToFloat(i);
  if (!Number.isFinite(v)) return g4(v);
  return floatToTime(v).String();
}
