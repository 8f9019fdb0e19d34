import type { IncomingMessage, ServerResponse } from 'node:http';
import { canonicalLabels } from '../../schemas/labels.js';
import { Engine, parseExpr, type QueryResult, type QueryValue } from '../promql/index.js';
import { compareLabels } from '../promql/engine/label-keys.js';
import type { ResultSeries } from '../promql/engine/types.js';
import type { ChangeCheck, ChangeSource, PartitionPosition } from '../store-protocol/index.js';
import type { LabelMatcher, Querier, Queryable, SelectHints, SeriesSet } from '../tsdb/index.js';
import { parseDurationParam, parseTimeParam, requestParams } from './api-params.js';
import { capAnnotations } from './annotations.js';
import { queryDataJson, toApiError, writeError, writeSuccessJson } from './api-response.js';
import type { QueryRoute } from './api-settings.js';
import type { QueryConfig } from './config.js';
import { queryEngineOptions } from './query-engine.js';
import { QueryGate } from './query-gate.js';
import { CountingQueryable, QueryStats } from './query-stats.js';
import { downsampledQuery, parseMaxSourceResolution, resolutionText, SOURCE_RESOLUTION_HEADER } from './source-resolution.js';

/** What one cached piece read, and the store positions it is exact as of. */
interface Piece {
  readonly key: string;
  readonly series: readonly ResultSeries[];
  readonly warnings: readonly string[];
  readonly infos: readonly string[];
  readonly since: readonly PartitionPosition[];
  readonly selections: ChangeCheck['selections'];
  readonly bytes: number;
}

export interface ResultCacheSettings {
  /** Every store's change log, at the time of the read (the shard registry). */
  readonly stores: () => Promise<readonly ChangeSource[]>;
  /** What the query API reads. */
  readonly queryable: Queryable;
  readonly config: QueryConfig;
  /** Partitions of the samples topic: a piece is cached only while every one of them is held. */
  readonly partitionCount: number;
  readonly samplesTopic: string;
  /** Memory bound of the cached pieces (estimated bytes). */
  readonly maxBytes: number;
  /** Length of a piece (rounded down to a multiple of the query step). */
  readonly pieceMs: number;
}

/** Counts of the cache's work, for tests and metrics. */
export interface ResultCacheStats {
  hits: number;
  misses: number;
  invalidated: number;
  evicted: number;
  bytes: number;
}

/**
 * A result cache for `query_range` that the bus keeps exact. A range query is split by time into
 * step-aligned pieces (as query frontends do); each whole piece is cached with what its
 * evaluation selected (matchers and time range) and the offsets every shard had applied before
 * it ran. A cached piece is used again only after the stores answered that no record applied
 * since those offsets touched a selected metric name within a selected time range
 * (store/change-log.ts): a late sample, a backfill or a deletion invalidates the pieces it
 * touches, and nothing else. `nocache=1` bypasses the cache. Pieces at the edges of the request
 * (not whole) are evaluated every time; so is any query the cache cannot split exactly (see
 * `cacheable`).
 */
export class ResultCache {
  private readonly pieces = new Map<string, Piece>();
  readonly stats: ResultCacheStats = { hits: 0, misses: 0, invalidated: 0, evicted: 0, bytes: 0 };
  private readonly engines = new Map<number, Engine>();

  constructor(private readonly settings: ResultCacheSettings) {}

  /** Evaluates a range query through the cache (the answer equals the engine's on the whole range). */
  async rangeQuery(query: string, start: number, end: number, step: number, timeoutMs: number, signal?: AbortSignal): Promise<QueryResult> {
    const { pieceMs } = this.settings;
    const len = Math.max(step, Math.floor(pieceMs / step) * step);
    const phase = ((start % step) + step) % step;
    // Piece boundaries are absolute (multiples of `len` shifted onto the step grid), so a window that slides reuses them.
    const firstWhole = Math.ceil((start - phase) / len) * len + phase;
    const parts: Array<{ from: number; to: number; key: string | null }> = [];
    let t = start;
    if (firstWhole > start) {
      const to = Math.min(end, firstWhole - step);
      parts.push({ from: start, to, key: null });
      t = firstWhole;
    }
    for (; t <= end; t += len) {
      const to = t + len - step;
      parts.push({ from: t, to: Math.min(to, end), key: to <= end ? `${step}\u0000${t}\u0000${query}` : null });
    }
    const candidates = parts.filter((p) => p.key !== null && this.pieces.has(p.key)).map((p) => this.pieces.get(p.key!)!);
    const { valid, positions } = await this.validate(candidates);
    const engine = this.engineFor(timeoutMs);
    const results: Array<{ series: readonly ResultSeries[]; warnings: readonly string[]; infos: readonly string[] }> = [];
    for (const p of parts) {
      const cached = p.key === null ? undefined : this.pieces.get(p.key);
      if (cached !== undefined && valid.has(cached)) {
        this.touch(cached);
        this.stats.hits++;
        results.push(cached);
        continue;
      }
      if (cached !== undefined) {
        this.stats.invalidated++;
        this.drop(cached);
      }
      // Read as the query API reads (max_series, the upper bound left open for negative offsets).
      const recorder = new RecordingQueryable(new CountingQueryable(this.settings.queryable, new QueryStats(), this.settings.config.max_series));
      const r = await engine.rangeQuery(recorder, query, p.from, p.to, step, { signal });
      const series = r.value.resultType === 'matrix' ? r.value.result : [];
      results.push({ series, warnings: r.warnings, infos: r.infos });
      if (p.key === null) continue;
      this.stats.misses++;
      // Only what is exact is kept: every partition held when the positions were taken, and no shard warning.
      if (positions !== null && !recorder.warned) this.add({ key: p.key, series, warnings: r.warnings, infos: r.infos, since: positions, selections: recorder.selections, bytes: sizeOf(series) });
    }
    return merge(results);
  }

  /** Asks every store which candidates are still exact; also returns the positions now (null when a partition is held by no store). */
  private async validate(candidates: readonly Piece[]): Promise<{ valid: Set<Piece>; positions: PartitionPosition[] | null }> {
    const stores = await this.settings.stores();
    const checks = candidates.map((c) => ({ since: c.since, selections: c.selections }));
    let answers;
    try {
      answers = await Promise.all(stores.map((s) => s.changes({ checks })));
    } catch {
      // A store that cannot answer cannot vouch for anything: evaluate, cache nothing this time.
      return { valid: new Set(), positions: null };
    }
    const now = new Map<string, number>();
    for (const a of answers) for (const p of a.applied) now.set(`${p.topic}/${p.partition}`, Math.min(now.get(`${p.topic}/${p.partition}`) ?? Infinity, p.offset));
    let complete = true;
    for (let p = 0; p < this.settings.partitionCount; p++) if (!now.has(`${this.settings.samplesTopic}/${p}`)) complete = false;
    const valid = new Set<Piece>();
    candidates.forEach((c, i) => {
      if (answers.some((a) => a.changed[i])) return;
      // The same partitions must be held as when the piece was evaluated, none missing and none new.
      if (c.since.length !== now.size || !c.since.every((p) => now.has(`${p.topic}/${p.partition}`))) return;
      valid.add(c);
    });
    const positions = complete ? [...now].map(([k, offset]) => {
      const slash = k.lastIndexOf('/');
      return { topic: k.slice(0, slash), partition: Number(k.slice(slash + 1)), offset };
    }) : null;
    return { valid, positions };
  }

  private engineFor(timeoutMs: number): Engine {
    let e = this.engines.get(timeoutMs);
    if (e === undefined) {
      e = new Engine(queryEngineOptions(this.settings.config, timeoutMs));
      if (this.engines.size < 64) this.engines.set(timeoutMs, e);
    }
    return e;
  }

  private add(p: Piece): void {
    if (p.bytes > this.settings.maxBytes) return;
    const old = this.pieces.get(p.key);
    if (old !== undefined) this.drop(old);
    this.pieces.set(p.key, p);
    this.stats.bytes += p.bytes;
    // Least recently used first: a Map iterates in insertion order, and a hit re-inserts.
    for (const victim of this.pieces.values()) {
      if (this.stats.bytes <= this.settings.maxBytes) break;
      this.drop(victim);
      this.stats.evicted++;
    }
  }

  private touch(p: Piece): void {
    this.pieces.delete(p.key);
    this.pieces.set(p.key, p);
  }

  private drop(p: Piece): void {
    if (this.pieces.get(p.key) !== p) return;
    this.pieces.delete(p.key);
    this.stats.bytes -= p.bytes;
  }
}

/** Series of the pieces joined by labels, in the engine's order. */
function merge(parts: ReadonlyArray<{ series: readonly ResultSeries[]; warnings: readonly string[]; infos: readonly string[] }>): QueryResult {
  const rows = new Map<string, ResultSeries>();
  for (const part of parts) {
    for (const s of part.series) {
      const k = canonicalLabels(s.metric);
      let row = rows.get(k);
      if (row === undefined) rows.set(k, (row = { metric: s.metric, timestamps: [], values: [] }));
      // Native-histogram points ride along, null-padded where a piece had floats only.
      if (s.histograms !== undefined && row.histograms === undefined) row.histograms = new Array<null>(row.timestamps.length).fill(null);
      if (row.histograms !== undefined) {
        if (s.histograms !== undefined) row.histograms.push(...s.histograms);
        else for (let i = 0; i < s.timestamps.length; i++) row.histograms.push(null);
      }
      row.timestamps.push(...s.timestamps);
      row.values.push(...s.values);
    }
  }
  const series = [...rows.values()].sort((a, b) => compareLabels(a.metric, b.metric));
  const value: QueryValue = { resultType: 'matrix', result: series };
  return { value, warnings: [...new Set(parts.flatMap((p) => p.warnings))], infos: [...new Set(parts.flatMap((p) => p.infos))] };
}

function sizeOf(series: readonly ResultSeries[]): number {
  let n = 0;
  for (const s of series) n += 16 * s.timestamps.length + 64 + canonicalLabels(s.metric).length * 2;
  return n;
}

/** A Queryable that notes every selection made through it (what a piece depends on). */
class RecordingQueryable implements Queryable {
  readonly selections: Array<{ matchers: readonly LabelMatcher[]; start: number; end: number }> = [];
  warned = false;

  constructor(private readonly inner: Queryable) {}

  querier(mint: number, maxt: number): Querier {
    const q = this.inner.querier(mint, maxt);
    return {
      select: async (matchers: readonly LabelMatcher[], hints: SelectHints): Promise<SeriesSet> => {
        this.selections.push({ matchers: [...matchers], start: Math.max(hints.start, mint), end: hints.end });
        const set = await q.select(matchers, hints);
        if (set.warnings.length > 0) this.warned = true;
        return set;
      },
      labelNames: (m) => q.labelNames(m),
      labelValues: (n, m) => q.labelValues(n, m),
      close: () => q.close(),
    };
  }
}

/**
 * Whether a range query can be split into pieces exactly: raw data (no downsampled tier), no
 * `@ start()`/`@ end()` (their meaning changes with the range), and no parameter the cache does
 * not apply itself (stats, limit).
 */
function cacheable(params: URLSearchParams, query: string, resolution: number): boolean {
  if (params.get('nocache') === '1' || (params.get('stats') ?? '') !== '' || (params.get('limit') ?? '') !== '') return false;
  if (resolution !== 0) return false;
  return !/@\s*(start|end)\s*\(/.test(query);
}

/**
 * `/api/v1/query_range` through the result cache; any request the cache does not take (see
 * `cacheable`) goes to the route as it is, with its parameters moved into the URL (a form body
 * is read once).
 */
export function withResultCache(routes: readonly QueryRoute[], cache: ResultCache, config: QueryConfig): QueryRoute[] {
  // Queries through the cache wait for a slot as the query API's own do (a gate of the same size).
  const gate = new QueryGate(config.max_concurrency);
  return routes.map((route) => {
    if (route.path !== '/api/v1/query_range') return route;
    return {
      ...route,
      handler: async (req: IncomingMessage, res: ServerResponse, url: URL) => {
        let params: URLSearchParams;
        let start: number;
        let end: number;
        let step: number | undefined;
        let query: string;
        let resolution: number;
        try {
          params = await requestParams(req, url);
          query = params.get('query') ?? '';
          start = parseTimeParam(params, 'start');
          end = parseTimeParam(params, 'end');
          step = parseDurationParam(params, 'step');
          parseExpr(query);
          resolution = step === undefined || step <= 0 || end < start ? -1 : downsampledQuery(query, { start, end, interval: step }, config, parseMaxSourceResolution(params, config)).resolution;
        } catch {
          resolution = -1;
        }
        if (resolution !== 0 || !cacheable(params!, query!, resolution) || Math.floor((end! - start!) / step!) > config.max_points_per_series) {
          const inner = new URL(url);
          inner.search = params! === undefined ? url.search : params!.toString();
          return route.handler(req, res, inner);
        }
        const t = parseDurationParam(params!, 'timeout');
        const timeoutMs = t === undefined || t <= 0 ? config.timeout_ms : Math.min(t, config.timeout_ms);
        const ac = new AbortController();
        const onClose = (): void => {
          if (!res.writableFinished) ac.abort(new Error('client closed the connection'));
        };
        res.once('close', onClose);
        try {
          const deadline = Date.now() + timeoutMs;
          const r = await gate.run(deadline, ac.signal, () => cache.rangeQuery(query!, start!, end!, step!, Math.max(1, deadline - Date.now()), ac.signal));
          res.setHeader(SOURCE_RESOLUTION_HEADER, resolutionText(0));
          writeSuccessJson(res, queryDataJson(r.value), { warnings: capAnnotations(r.warnings, 'warning'), infos: capAnnotations(r.infos, 'info') });
        } catch (err) {
          writeError(res, toApiError(err));
        } finally {
          res.off('close', onClose);
        }
      },
    };
  });
}
