/** A small client for the Prometheus HTTP API a query role serves, as Grafana would call it. */

export interface VectorSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

export interface MatrixSeries {
  readonly metric: Record<string, string>;
  readonly values: Array<[number, string]>;
}

export interface ApiAnswer<T> {
  readonly status: number;
  readonly data: T;
  readonly warnings: string[];
  readonly error?: string;
}

async function get<T>(url: string): Promise<ApiAnswer<T>> {
  const res = await fetch(url, { signal: AbortSignal.timeout(20_000) });
  const text = await res.text();
  let body: { status?: string; data?: { result?: T }; warnings?: string[]; error?: string };
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`GET ${url}: ${res.status}, not JSON: ${text.slice(0, 300)}`);
  }
  return { status: res.status, data: body.data?.result as T, warnings: body.warnings ?? [], error: body.error };
}

export class PrometheusApi {
  constructor(readonly url: string) {}

  /** Instant query; `time` in ms (default: the server's now). */
  instant<T = VectorSample[]>(query: string, timeMs?: number): Promise<ApiAnswer<T>> {
    const p = new URLSearchParams({ query });
    if (timeMs !== undefined) p.set('time', String(timeMs / 1000));
    return get<T>(`${this.url}/api/v1/query?${p}`);
  }

  range(query: string, startMs: number, endMs: number, stepS: number): Promise<ApiAnswer<MatrixSeries[]>> {
    const p = new URLSearchParams({ query, start: String(startMs / 1000), end: String(endMs / 1000), step: String(stepS) });
    return get<MatrixSeries[]>(`${this.url}/api/v1/query_range?${p}`);
  }

  /** Instant query that must answer 200 without warnings; returns the vector. */
  async vector(query: string, timeMs?: number): Promise<VectorSample[]> {
    const a = await this.instant(query, timeMs);
    if (a.status !== 200) throw new Error(`${query}: ${a.status} ${a.error}`);
    if (a.warnings.length > 0) throw new Error(`${query}: warnings ${a.warnings.join('; ')}`);
    return a.data;
  }

  /** Every raw sample of the series matching `selector` in the `window` before `timeMs`, by series. */
  async rawSamples(selector: string, window: string, timeMs?: number): Promise<MatrixSeries[]> {
    const a = await this.instant<MatrixSeries[]>(`${selector}[${window}]`, timeMs);
    if (a.status !== 200) throw new Error(`${selector}[${window}]: ${a.status} ${a.error}`);
    if (a.warnings.length > 0) throw new Error(`${selector}[${window}]: warnings ${a.warnings.join('; ')}`);
    return a.data;
  }
}

/** Value of the sample whose labels include `match`, or undefined. */
export function valueOf(v: readonly VectorSample[], match: Record<string, string>): number | undefined {
  const s = v.find((x) => Object.entries(match).every(([k, val]) => x.metric[k] === val));
  return s === undefined ? undefined : Number(s.value[1]);
}

/** Polls `probe` until it returns something other than undefined; the last error explains a timeout. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr = '';
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      lastErr = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not met after ${timeoutMs} ms${lastErr ? ` (last error: ${lastErr})` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
