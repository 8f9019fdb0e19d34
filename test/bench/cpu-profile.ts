import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where a profile node's function is: 0-based line and column of its start in `url`. */
interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
  readonly columnNumber: number;
}

/** A V8 .cpuprofile (what `node --cpu-prof` writes), the parts read here. */
interface CpuProfile {
  readonly nodes: readonly { id: number; callFrame: CallFrame }[];
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
 * Where a profiled position of a built file comes from: the build bundles the files node starts a
 * thread on into chunks (`main.chunk-XXXX.js`), whose names say nothing, so a position is read
 * through the file's source map (written beside it) back to its TypeScript file and line.
 */
class SourcePositions {
  private readonly maps = new Map<string, SourceMap | null>();

  /**
   * `file:line` (1-based) of a profiled position: the source's where the built file has a map
   * with an entry there, else the file's own (a built one relative to its `dist/`).
   */
  where(frame: CallFrame): string {
    const { url, lineNumber, columnNumber } = frame;
    if (!url.startsWith('file://')) return `${url}:${lineNumber + 1}`;
    const path = fileURLToPath(url);
    const e = this.map(path)?.findEntry(lineNumber, columnNumber) as { originalSource?: string; originalLine?: number } | undefined;
    if (e?.originalSource === undefined || e.originalLine === undefined) return `${relative(ROOT, path).replace(/^(\.\.\/)+.*?\/dist\//, 'dist/')}:${lineNumber + 1}`;
    const source = e.originalSource.startsWith('file://') ? fileURLToPath(e.originalSource) : resolve(dirname(path), e.originalSource);
    return `${relative(ROOT, source)}:${e.originalLine + 1}`;
  }

  private map(path: string): SourceMap | null {
    let m = this.maps.get(path);
    if (m === undefined) {
      const file = `${path}.map`;
      m = existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]) : null;
      this.maps.set(path, m);
    }
    return m;
  }
}

/**
 * The functions with the most self time (share of the time not idle) over every .cpuprofile in `dir`
 * (each thread writes its own), largest first; with `window`, only samples taken within it.
 */
export function topSelfTime(dir: string, limit = 15, window?: ProfileWindow): SelfTime[] {
  const byFn = new Map<string, number>();
  const sources = new SourcePositions();
  let total = 0;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.cpuprofile'))) {
    const p = JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile;
    const name = new Map<number, string>();
    for (const n of p.nodes) {
      const { functionName, url } = n.callFrame;
      name.set(n.id, url === '' ? `(${functionName || 'native'})` : `${functionName || '(anonymous)'} (${sources.where(n.callFrame)})`);
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
