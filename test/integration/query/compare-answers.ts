/** Answers of `/api/v1/query(_range)` as JSON. */
interface Answer {
  status: string;
  errorType?: string;
  error?: string;
  data?: { resultType: string; result: unknown };
}

type Point = [number, string];

function key(metric: Record<string, string>): string {
  return JSON.stringify(Object.keys(metric).sort().map((k) => [k, metric[k]]));
}

/** Equal within 1e-9 relative (NaN equals NaN; tiny absolute slack around zero). */
export function sameValue(a: string, b: string): boolean {
  if (a === b) return true;
  const x = Number(a);
  const y = Number(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y);
  if (!Number.isFinite(x) || !Number.isFinite(y)) return x === y;
  return Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y)) || Math.abs(x - y) < 1e-12;
}

function comparePoints(where: string, p: Point[], t: Point[]): string[] {
  const out: string[] = [];
  if (p.length !== t.length) out.push(`${where}: ${p.length} points in Prometheus, ${t.length} in Tidemark (first ${JSON.stringify(p[0])} vs ${JSON.stringify(t[0])})`);
  const n = Math.min(p.length, t.length);
  for (let i = 0; i < n; i++) {
    if (p[i][0] !== t[i][0] || !sameValue(p[i][1], t[i][1])) {
      out.push(`${where}: Prometheus ${JSON.stringify(p[i])}, Tidemark ${JSON.stringify(t[i])}`);
      break;
    }
  }
  return out;
}

/**
 * Differences between Prometheus' answer and Tidemark's: result type, the set of series (by
 * labels; order is not compared), timestamps, and values within 1e-9 relative.
 */
export function compareAnswers(prom: Answer, tide: Answer): string[] {
  if (prom.status !== tide.status) return [`status ${prom.status} (${prom.error ?? ''}) vs ${tide.status} (${tide.error ?? ''})`];
  if (prom.status !== 'success') return prom.errorType === tide.errorType ? [] : [`errorType ${prom.errorType} vs ${tide.errorType}`];
  const p = prom.data!;
  const t = tide.data!;
  if (p.resultType !== t.resultType) return [`resultType ${p.resultType} vs ${t.resultType}`];
  if (p.resultType === 'scalar' || p.resultType === 'string') return comparePoints('scalar', [p.result as Point], [t.result as Point]);
  const field = p.resultType === 'vector' ? 'value' : 'values';
  const index = (r: unknown) => new Map((r as Record<string, any>[]).map((s) => [key(s.metric), field === 'value' ? [s.value as Point] : (s.values as Point[])]));
  const pm = index(p.result);
  const tm = index(t.result);
  const out: string[] = [];
  for (const k of pm.keys()) if (!tm.has(k)) out.push(`series ${k} only in Prometheus`);
  for (const k of tm.keys()) if (!pm.has(k)) out.push(`series ${k} only in Tidemark`);
  for (const [k, pts] of pm) if (tm.has(k)) out.push(...comparePoints(k, pts, tm.get(k)!));
  return out.slice(0, 10);
}
