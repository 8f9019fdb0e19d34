import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** A V8 .cpuprofile (what `node --cpu-prof` writes), the parts read here. */
interface CpuProfile {
  readonly nodes: readonly { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  /** Microseconds on the monotonic clock, the one `process.hrtime` reads, in every process and thread. */
  readonly startTime: number;
}

/** A span of the monotonic clock in microseconds (`monotonicMicros()` before and after). */
export interface ProfileWindow {
  readonly fromUs: number;
  readonly toUs: number;
}

/** Now on the clock V8's profiles count in, so a bench can cut a profile into phases. */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export interface SelfTime {
  /** `function (file:line)`, the file relative to the repository. */
  readonly fn: string;
  /** Share of all sampled time, 0..1. */
  readonly share: number;
}

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * The functions with the most self time (share of the time not idle) over every .cpuprofile in `dir`
 * (each thread writes its own), largest first; with `window`, only samples taken within it.
 */
export function topSelfTime(dir: string, limit = 15, window?: ProfileWindow): SelfTime[] {
  const byFn = new Map<string, number>();
  let total = 0;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.cpuprofile'))) {
    const p = JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile;
    const name = new Map<number, string>();
    for (const n of p.nodes) {
      const { functionName, url, lineNumber } = n.callFrame;
      const file = url.startsWith('file://') ? relative(ROOT, new URL(url).pathname).replace(/^(\.\.\/)+.*?\/dist\//, 'dist/') : url;
      name.set(n.id, file === '' ? `(${functionName || 'native'})` : `${functionName || '(anonymous)'} (${file}:${lineNumber + 1})`);
    }
    let at = p.startTime;
    for (let i = 0; i < p.samples.length; i++) {
      const dt = p.timeDeltas[i] ?? 0;
      at += dt;
      if (window !== undefined && (at < window.fromUs || at > window.toUs)) continue;
      const k = name.get(p.samples[i]) ?? '?';
      if (k === '((idle))' || k === '(idle)') continue; // waiting, not working
      byFn.set(k, (byFn.get(k) ?? 0) + dt);
      total += dt;
    }
  }
  return [...byFn]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([fn, t]) => ({ fn, share: total > 0 ? t / total : 0 }));
}
