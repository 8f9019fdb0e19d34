import { waitFor } from './cli-process.js';

/** Answers of a Prometheus-compatible query API, normalised so two servers' answers compare with toEqual. */
export interface RangeSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

/** `query_range` over [start, end] (ms) at `stepMs`, series sorted by labels, values as canonical numbers. */
export async function queryRange(url: string, query: string, start: number, end: number, stepMs: number): Promise<RangeSeries[]> {
  const q = new URLSearchParams({ query, start: String(start / 1000), end: String(end / 1000), step: String(stepMs / 1000) });
  const res = await fetch(`${url}/api/v1/query_range?${q}`);
  const body = (await res.json()) as { status: string; data: { result: RangeSeries[] }; error?: string };
  if (body.status !== 'success') throw new Error(`${url} ${query}: ${body.error}`);
  const key = (m: Record<string, string>) => JSON.stringify(Object.entries(m).sort());
  return body.data.result
    .map((s) => ({ metric: s.metric, values: s.values.map(([t, v]) => [Number(t), String(Number(v))] as [number, string]) }))
    .sort((a, b) => key(a.metric).localeCompare(key(b.metric)));
}

/** The value of a one-series instant query at `atMs` (default now), undefined while there is none. */
export async function instant(url: string, query: string, atMs = Date.now()): Promise<number | undefined> {
  const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query, time: String(atMs / 1000) })}`);
  const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
  return body.data.result.length === 0 ? undefined : Number(body.data.result[0].value[1]);
}

/** Waits until `query` answers `expected` (samples reach the store after the import's 2xx); the last answer otherwise. */
export async function until(url: string, query: string, expected: number, atMs?: number): Promise<number | undefined> {
  try {
    return await waitFor(async () => ((await instant(url, query, atMs)) === expected ? expected : undefined));
  } catch {
    return instant(url, query, atMs);
  }
}

/** The raw samples of a range selector (`x[1h]`) at `atMs`, keyed by their series' labels (sorted). */
export async function rawSamples(url: string, rangeSelector: string, atMs = Date.now()): Promise<Map<string, [number, string][]>> {
  const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: rangeSelector, time: String(atMs / 1000) })}`);
  const body = (await res.json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; values: [number, string][] }[] } };
  if (body.status !== 'success') throw new Error(`${url} ${rangeSelector}: ${body.error}`);
  return new Map(body.data.result.map((s) => [JSON.stringify(Object.entries(s.metric).sort()), s.values.map(([t, v]) => [Number(t), String(Number(v))] as [number, string])]));
}
