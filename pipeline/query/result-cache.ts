import type { IncomingMessage, ServerResponse } from 'node:http';
import { canonicalLabels } from '../../schemas/labels.js';
import { Engine, type QueryResult, type QueryValue } from '../promql/index.js';
import { compareLabels } from '../promql/engine/label-keys.js';
import type { ResultSeries } from '../promql/engine/types.js';
import { joinChanges, type ChangeCheck, type ChangeSource, type PartitionPosition } from '../store-protocol/index.js';
import type { LabelMatcher, Querier, Queryable, SelectHints, SeriesSet } from '../tsdb/index.js';
import { parseDurationParam, parseTimeParam, requestParams } from './api-params.js';
import { capAnnotations } from './annotations.js';
import { toApiError, writeError, writeQueryAnswer } from './api-response.js';
import type { QueryRoute } from './api-settings.js';
import type { QueryConfig } from './config.js';
import { queryEngineOptions } from './query-engine.js';
import { QueryGate } from './query-gate.js';
import { CountingQueryable, QueryStats } from './query-stats.js';
import { downsampledQuery, parseMaxSourceResolution, resolutionText, SOURCE_RESOLUTION_HEADER } from './source-resolution.js';

/**
 * A cached piece: the points of the steps [from, to] of one piece (pieces are absolute, `key`
 * names the piece), what their evaluation read, and the store positions they are exact as of.
 */
interface Piece {
  readonly key: string;
  readonly from: number;
  readonly to: number;
  readonly series: readonly ResultSeries[];
  readonly warnings: readonly string[];
  readonly infos: readonly string[];
  readonly since: readonly PartitionPosition[];
  readonly selections: ChangeCheck['selections'];
  /**
   * How far past a step its evaluation read samples (a negative offset): a sample at t can only
   * change the steps from t - lookahead on.
   */
  readonly lookahead: number;
  /** Whether a change can only alter the steps from its time on (no `@`: a fixed evaluation time reads the same samples at every step). */
  readonly stepwise: boolean;
  readonly bytes: number;
}

/** Steps [from, to] of a piece to evaluate. */
interface Range {
  readonly from: number;
  readonly to: number;
}

/** Points of some steps of a piece, in time order with the other parts of the answer. */
interface Part {
  readonly series: readonly ResultSeries[];
  readonly warnings: readonly string[];
  readonly infos: readonly string[];
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
  /** Pieces answered wholly from the cache. */
  hits: number;
  /** Pieces answered partly from the cache: cached steps kept, the others (newer, or touched by a write) evaluated. */
  partial: number;
  /** Pieces evaluated wholly. */
  misses: number;
  /** Cached pieces of which a write applied since touched some steps. */
  invalidated: number;
  evicted: number;
  bytes: number;
}

/**
 * A result cache for `query_range` that the bus keeps exact. A range query is split by time into
 * step-aligned pieces on absolute boundaries (as query frontends do); the steps of each piece a
 * request covers are cached with what their evaluation selected (matchers and time range) and the
 * offsets every shard had applied before it ran. Before cached steps are used again the stores
 * answer, from their change logs (store/change-log.ts), the oldest time a record applied since
 * those offsets touched a selected metric name within a selected range: the steps before it (less
 * any look-ahead of a negative offset) are still exact, the others are evaluated again with the
 * steps the request adds (the newest of a sliding dashboard). So a late sample, a backfill or a
 * deletion re-evaluates only the steps it can reach. A query with `@` (a fixed time every step
 * reads) re-evaluates a touched piece whole; a piece with annotations is used whole or not at all.
 * `nocache=1` bypasses the cache; so does any query it cannot split exactly (see `cacheable`).
 */
export class ResultCache {
  private readonly pieces = new Map<string, Piece>();
  readonly stats: ResultCacheStats = { hits: 0, partial: 0, misses: 0, invalidated: 0, evicted: 0, bytes: 0 };
  private readonly engines = new Map<number, Engine>();

  constructor(private readonly settings: ResultCacheSettings) {}

  /** Evaluates a range query through the cache (the answer equals the engine's on the whole range). */
  async rangeQuery(query: string, start: number, end: number, step: number, timeoutMs: number, signal?: AbortSignal): Promise<QueryResult> {
    const { pieceMs } = this.settings;
    const len = Math.max(step, Math.floor(pieceMs / step) * step);
    const phase = ((start % step) + step) % step;
    // Piece boundaries are absolute (multiples of `len` shifted onto the step grid), so a window that slides reuses them.
    const last = start + Math.floor((end - start) / step) * step; // the last step (`end` may fall between steps)
    const parts: Array<{ a: number; b: number; key: string }> = [];
    for (let p0 = Math.floor((start - phase) / len) * len + phase; p0 <= last; p0 += len) {
      parts.push({ a: Math.max(start, p0), b: Math.min(last, p0 + len - step), key: `${step}\u0000${p0}\u0000${query}` });
    }
    const candidates = parts.filter((p) => this.pieces.has(p.key)).map((p) => this.pieces.get(p.key)!);
    const { changedFrom, positions } = await this.validate(candidates);
    const engine = this.engineFor(timeoutMs);
    const stepwise = !query.includes('@');
    /** The newest step before `t`. */
    const stepBefore = (t: number): number => (Math.ceil((t - phase) / step) - 1) * step + phase;
    const evaluate = async (from: number, to: number): Promise<Evaluated> => {
      // Read as the query API reads (max_series, the upper bound left open for negative offsets).
      const recorder = new RecordingQueryable(new CountingQueryable(this.settings.queryable, new QueryStats(), this.settings.config.max_series));
      const r = await engine.rangeQuery(recorder, query, from, to, step, { signal });
      const lookahead = recorder.selections.reduce((m, sel) => Math.max(m, sel.end - to), 0);
      return { series: r.value.resultType === 'matrix' ? r.value.result : [], warnings: r.warnings, infos: r.infos, selections: recorder.selections, lookahead, warned: recorder.warned };
    };

    // What each piece takes from the cache and which of its steps are evaluated.
    const plans = parts.map(({ a, b, key }) => {
      const cached = this.pieces.get(key);
      // The cached steps still exact: all of them, those before the oldest change, or none.
      let validTo = -Infinity;
      if (cached !== undefined) {
        const changed = changedFrom.get(cached) ?? -Infinity;
        validTo = changed === Infinity ? cached.to : cached.stepwise && changed !== -Infinity ? Math.min(cached.to, stepBefore(changed - cached.lookahead)) : -Infinity;
        if (validTo < cached.to) this.stats.invalidated++;
        // Annotations are kept per piece, not per step: a piece with some is used whole or not at all.
        if (cached.warnings.length + cached.infos.length > 0 && (validTo < cached.to || cached.from < a || cached.to > b)) validTo = -Infinity;
      }
      const validFrom = cached?.from ?? Infinity;
      const keepFrom = Math.max(a, validFrom);
      const keepTo = Math.min(b, validTo);
      const kept = cached !== undefined && keepFrom <= keepTo;
      const before = kept && a < keepFrom ? { from: a, to: keepFrom - step } : null;
      const after = kept ? (keepTo < b ? { from: keepTo + step, to: b } : null) : { from: a, to: b };
      return { a, b, key, cached, validFrom, validTo, keepFrom, keepTo, kept, before, after };
    });
    const ranges = plans.flatMap((p) => [p.before, p.after].filter((r): r is Range => r !== null));
    const evaluated = new Map<Range, Evaluated>();
    // Steps to evaluate that follow one another across pieces (a first read, a gap) are evaluated
    // at once and cut by piece: each step's value depends on its own time alone, and each piece
    // records the selections its steps read (without `@`, a selection's range moves with the steps).
    for (let i = 0; i < ranges.length; ) {
      let j = i;
      while (j + 1 < ranges.length && ranges[j + 1].from === ranges[j].to + step) j++;
      const run = ranges.slice(i, j + 1);
      i = j + 1;
      if (run.length > 1 && stepwise) {
        const from = run[0].from;
        const to = run[run.length - 1].to;
        const whole = await evaluate(from, to);
        // Annotations cannot be told apart by step: then each piece is evaluated by itself.
        if (whole.warnings.length + whole.infos.length === 0) {
          for (const r of run) {
            evaluated.set(r, {
              series: slice(whole.series, r.from, r.to),
              warnings: [],
              infos: [],
              selections: whole.selections.map((sel) => ({ matchers: sel.matchers, start: r.from - (from - sel.start), end: r.to + (sel.end - to) })),
              lookahead: whole.lookahead,
              warned: whole.warned,
            });
          }
          continue;
        }
      }
      for (const r of run) evaluated.set(r, await evaluate(r.from, r.to));
    }

    const answer: Part[] = [];
    for (const { a, b, key, cached, validFrom, validTo, keepFrom, keepTo, kept, before: beforeRange, after: afterRange } of plans) {
      if (kept && keepFrom === a && keepTo === b) {
        this.touch(cached!);
        this.stats.hits++;
        answer.push({ series: slice(cached!.series, a, b), warnings: cached!.warnings, infos: cached!.infos });
        continue;
      }
      const before = beforeRange === null ? null : evaluated.get(beforeRange)!;
      const after = afterRange === null ? null : evaluated.get(afterRange)!;
      const keptPart: Part | null = kept ? { series: slice(cached!.series, keepFrom, keepTo), warnings: cached!.warnings, infos: cached!.infos } : null;
      const own = [before, keptPart, after].filter((x): x is NonNullable<typeof x> => x !== null);
      answer.push(...own);
      if (kept) this.stats.partial++;
      else this.stats.misses++;
      // Only what is exact is kept: every partition held when the positions were taken, and no shard warning.
      const fresh = [before, after].filter((x): x is Evaluated => x !== null);
      if (positions === null || fresh.some((e) => e.warned)) continue;
      // The cached steps outside this request that are still exact stay with the piece when they join it without a gap.
      const joins = cached !== undefined && validFrom <= validTo && validFrom <= b + step && validTo >= a - step;
      const outsideBefore = joins && validFrom < a ? { series: slice(cached.series, validFrom, a - step), warnings: cached.warnings, infos: cached.infos } : null;
      const outsideAfter = joins && validTo > b ? { series: slice(cached.series, b + step, validTo), warnings: cached.warnings, infos: cached.infos } : null;
      const whole = merge([outsideBefore, ...own, outsideAfter].filter((x): x is Part => x !== null));
      const series = whole.value.resultType === 'matrix' ? whole.value.result : [];
      const fromCache = kept || joins;
      this.add({
        key,
        from: joins ? Math.min(a, validFrom) : a,
        to: joins ? Math.max(b, validTo) : b,
        series,
        warnings: whole.warnings,
        infos: whole.infos,
        since: positions,
        selections: mergeSelections([...(fromCache ? cached!.selections : []), ...fresh.flatMap((e) => e.selections)]),
        lookahead: Math.max(fromCache ? cached!.lookahead : 0, ...fresh.map((e) => e.lookahead)),
        stepwise,
        bytes: sizeOf(series),
      });
    }
    return merge(answer);
  }

  /**
   * Asks every store which candidates are still exact, per candidate the oldest time a change
   * since touched (Infinity: none, -Infinity: cannot be told); also returns the positions now
   * (null when a partition is held by no store).
   */
  private async validate(candidates: readonly Piece[]): Promise<{ changedFrom: Map<Piece, number>; positions: PartitionPosition[] | null }> {
    const stores = await this.settings.stores();
    const checks = candidates.map((c) => ({ since: c.since, selections: c.selections }));
    let answers;
    try {
      answers = await Promise.all(stores.map((s) => s.changes({ checks })));
    } catch {
      // A store that cannot answer cannot vouch for anything: evaluate, cache nothing this time.
      return { changedFrom: new Map(), positions: null };
    }
    const now = new Map<string, number>();
    for (const a of answers) for (const p of a.applied) now.set(`${p.topic}/${p.partition}`, Math.min(now.get(`${p.topic}/${p.partition}`) ?? Infinity, p.offset));
    let complete = true;
    for (let p = 0; p < this.settings.partitionCount; p++) if (!now.has(`${this.settings.samplesTopic}/${p}`)) complete = false;
    const joined = joinChanges(answers, candidates.length);
    const changedFrom = new Map<Piece, number>();
    candidates.forEach((c, i) => {
      // The same partitions must be held as when the piece was evaluated, none missing and none new.
      if (c.since.length !== now.size || !c.since.every((p) => now.has(`${p.topic}/${p.partition}`))) {
        changedFrom.set(c, -Infinity);
        return;
      }
      changedFrom.set(c, joined.changed[i] ? (joined.changedFrom?.[i] ?? -Infinity) : Infinity);
    });
    const positions = complete ? [...now].map(([k, offset]) => {
      const slash = k.lastIndexOf('/');
      return { topic: k.slice(0, slash), partition: Number(k.slice(slash + 1)), offset };
    }) : null;
    return { changedFrom, positions };
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

/** Series of the parts (in time order) joined by labels, in the engine's order. */
function merge(parts: readonly Part[]): QueryResult {
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

/** Evaluated steps with what their evaluation read. */
interface Evaluated extends Part {
  readonly selections: ChangeCheck['selections'];
  /** How far past its last step the evaluation read. */
  readonly lookahead: number;
  /** Whether a shard warned (what it read may be incomplete). */
  readonly warned: boolean;
}

/** The points of steps [from, to]; series without any left out. */
function slice(series: readonly ResultSeries[], from: number, to: number): ResultSeries[] {
  const out: ResultSeries[] = [];
  for (const s of series) {
    const ts = s.timestamps;
    if (ts.length === 0 || ts[0] > to || ts[ts.length - 1] < from) continue;
    if (ts[0] >= from && ts[ts.length - 1] <= to) {
      out.push(s);
      continue;
    }
    let i = 0;
    while (ts[i] < from) i++;
    let j = i;
    while (j < ts.length && ts[j] <= to) j++;
    if (i === j) continue;
    const part: ResultSeries = { metric: s.metric, timestamps: ts.slice(i, j), values: s.values.slice(i, j) };
    if (s.histograms !== undefined) part.histograms = s.histograms.slice(i, j);
    out.push(part);
  }
  return out;
}

/** Selections with the same matchers joined into one covering both ranges (a piece extended by later steps reads the same selectors). */
function mergeSelections(list: ChangeCheck['selections']): ChangeCheck['selections'] {
  const byMatchers = new Map<string, { matchers: readonly LabelMatcher[]; start: number; end: number }>();
  for (const sel of list) {
    const k = JSON.stringify(sel.matchers);
    const seen = byMatchers.get(k);
    if (seen === undefined) byMatchers.set(k, { matchers: sel.matchers, start: sel.start, end: sel.end });
    else {
      seen.start = Math.min(seen.start, sel.start);
      seen.end = Math.max(seen.end, sel.end);
    }
  }
  return [...byMatchers.values()];
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
      answered: (matchers: readonly LabelMatcher[], hints: SelectHints, set: SeriesSet): void => {
        this.selections.push({ matchers: [...matchers], start: Math.max(hints.start, mint), end: hints.end });
        q.answered?.(matchers, hints, set);
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
  if (!cacheableParams(params) || resolution !== 0) return false;
  return !/@\s*(start|end)\s*\(/.test(query);
}

/** Whether parameters other than the query's and its range allow the cache: no nocache=1, stats or limit. */
function cacheableParams(params: URLSearchParams): boolean {
  return params.get('nocache') !== '1' && (params.get('stats') ?? '') === '' && (params.get('limit') ?? '') === '';
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
          // A request the cache refuses whatever its query is passed on unparsed (the route parses
          // it); downsampledQuery parses the others, and throws on a query that does not parse.
          if (!cacheableParams(params)) resolution = -1;
          else {
            start = parseTimeParam(params, 'start');
            end = parseTimeParam(params, 'end');
            step = parseDurationParam(params, 'step');
            resolution = step === undefined || step <= 0 || end < start ? -1 : downsampledQuery(query, { start, end, interval: step }, config, parseMaxSourceResolution(params, config)).resolution;
          }
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
          writeQueryAnswer(res, r.value, { warnings: capAnnotations(r.warnings, 'warning'), infos: capAnnotations(r.infos, 'info') });
        } catch (err) {
          writeError(res, toApiError(err));
        } finally {
          res.off('close', onClose);
        }
      },
    };
  });
}
