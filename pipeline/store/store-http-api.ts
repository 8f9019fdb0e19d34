import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseExpr, PromqlTooManySamplesError, SampleLimit } from '../promql/index.js';
import { InvalidMatcherError, type LabelMatcher, type LabelStats, type LabelStatsRequest, type Queryable, type SeriesSet } from '../tsdb/index.js';
import { DeletionNotAppliedError, StoreRequestError } from './errors.js';
import { parseRollupHint } from './rollup-request.js';
import type { RollupHint } from '../tsdb/querier.js';
import type { SelectSlabPool } from '../tsdb/shared-memory/index.js';
import {
  encodeLabelStats,
  encodeSelectChunks,
  encodeSeriesColumns,
  encodeSeriesSet,
  parseChangesRequest,
  parseWaitAppliedRequest,
  PlannedSelects,
  SELECT_CHUNKS_CONTENT_TYPE,
  SERIES_COLUMNS_CONTENT_TYPE,
  TOO_MANY_SAMPLES_STATUS,
  type ChangesAnswer,
  type ChangesRequest,
  type WaitAppliedAnswer,
  type WaitAppliedRequest,
} from '../store-protocol/index.js';

export type StoreHttpHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

export interface StoreRoute {
  readonly methods: string[];
  readonly path: string;
  readonly handler: StoreHttpHandler;
}

/** What the read and admin endpoints need from a store (StoreWorker is one). */
export interface StoreHttpTarget extends Queryable {
  /** Deletes the samples in [start, end] of series matching any selector. */
  deleteSeries(selectors: readonly (readonly LabelMatcher[])[], start: number, end: number): Promise<void>;
  /** Returns the snapshot's name. */
  snapshot(): Promise<string>;
  /** Builds every shard's downsampled tiers again from its blocks; returns the days written. */
  rebuildDownsampled?(): Promise<number>;
  /** The label statistics of every shard held here, added up (`/api/v1/status/tsdb` of the query role). */
  labelStats?(req: LabelStatsRequest): Promise<LabelStats>;
  /** Waits for the shards to apply offsets of the samples topic (read-your-writes). */
  waitApplied?(req: WaitAppliedRequest): Promise<WaitAppliedAnswer>;
  /** The result cache's validation: what changed since given offsets (changes-wire.ts). */
  changes?(req: ChangesRequest): Promise<ChangesAnswer>;
  /** Stops (true) or restarts (false) consuming the bus. */
  pauseConsumption?(paused: boolean): void;
}

const MAX_BODY = 1 << 20;
const MATCH_TYPES = new Set(['=', '!=', '=~', '!~']);

/**
 * The store's HTTP surface, as routes for the role's router to mount:
 * - `POST /api/v1/store/select` `{matchers, start, end, labelsOnly?, timestampsOnly?, rollup?, maxSamples?}` → series
 *   (series-wire.ts; series-columns-wire.ts when the request accepts that form; the chunks to
 *   decode, select-chunks-wire.ts, when it accepts those and the select reads raw float samples);
 *   with `maxSamples`, a select that would load more samples is refused before decoding (422
 *   `execution`, Prometheus' too-many-samples error), and the answer says what it loaded;
 * - `POST /api/v1/store/label_names` `{matchers, start, end}` → names;
 * - `POST /api/v1/store/label_values` `{name, matchers, start, end}` → values;
 * - `POST /api/v1/store/tsdb_status` `{selectors?, start?, end?}` → label statistics (label-stats-wire.ts);
 * - `POST /api/v1/store/wait_applied` `{partitions, strong, timeoutMs}` → `{lagging}` (applied-offsets-wire.ts);
 * - `POST /api/v1/store/changes` `{checks}` → `{applied, changed}` (changes-wire.ts);
 * - `POST|PUT /api/v1/admin/store/pause_consumption` and `.../resume_consumption` → 204;
 * - `POST|PUT /api/v1/admin/tsdb/rebuild_downsampled` → `{days}`: every shard's downsampled tiers built again from its blocks;
 * - `POST|PUT /api/v1/admin/tsdb/delete_series` (`match[]`, `start`, `end`, query or form) → 204;
 * - `POST|PUT /api/v1/admin/tsdb/snapshot` → `{"status":"success","data":{"name":...}}`.
 * Answers use Prometheus' envelope; bad input is a 400 `bad_data` naming the parameter.
 *
 * The admin endpoints only act with `adminApi` (the role's `--web.enable-admin-api`); otherwise
 * they answer as Prometheus without that flag does: 500 `unavailable`, "admin APIs disabled".
 */
export function storeHttpApi(target: StoreHttpTarget, opts: StoreHttpApiOptions = {}): { routes: StoreRoute[] } {
  const admin = (handler: StoreHttpHandler): StoreHttpHandler => (opts.adminApi === true ? handler : adminDisabled);
  const read = (fn: (body: ReadRequest) => Promise<unknown>): StoreHttpHandler => (req, res) =>
    answer(res, async () => fn(parseReadRequest(await readJson(req))));
  return {
    routes: [
      {
        methods: ['POST'],
        path: '/api/v1/store/select',
        handler: (req, res) => answer(res, async () => {
          const r = parseReadRequest(await readJson(req));
          const q = target.querier(r.start, r.end);
          // The columns are copied into the answer before the lease goes back (both encodings copy).
          const slabs = opts.slabs?.lease();
          const select = async (plans?: PlannedSelects): Promise<{ set: SeriesSet; loaded: number | undefined }> => {
            const limit = r.maxSamples === undefined ? undefined : new SampleLimit(r.maxSamples);
            const budget = limit?.forSelect();
            const set = await q.select(r.matchers, {
              start: r.start,
              end: r.end,
              labelsOnly: r.labelsOnly,
              timestampsOnly: r.timestampsOnly,
              ...(r.rollup === undefined ? {} : { rollup: r.rollup }),
              ...(budget === undefined ? {} : { budget }),
              ...(slabs === undefined ? {} : { slabs }),
              ...(plans === undefined ? {} : { plans }),
            });
            budget?.settle(set.series);
            return { set, loaded: budget === undefined ? undefined : limit?.loaded };
          };
          try {
            if (accepts(req, SELECT_CHUNKS_CONTENT_TYPE) && !r.labelsOnly && r.rollup === undefined) {
              const plans = new PlannedSelects();
              const { set, loaded } = await select(plans);
              // Chunks are copied into the answer now: nothing that planned them changes them before.
              if (set.series.length === 0) return new BinaryBody(SELECT_CHUNKS_CONTENT_TYPE, encodeSelectChunks(plans, r.timestampsOnly, set.warnings, loaded));
              // Series that could not be planned (native histograms, start timestamps) cross decoded:
              // the whole select then does, decoded here, as a mix of both would need merging.
              if (plans.parts.length === 0) return new BinaryBody(SERIES_COLUMNS_CONTENT_TYPE, encodeSeriesColumns(set, r.timestampsOnly, loaded));
            }
            const { set, loaded } = await select();
            if (accepts(req, SERIES_COLUMNS_CONTENT_TYPE)) return new BinaryBody(SERIES_COLUMNS_CONTENT_TYPE, encodeSeriesColumns(set, r.timestampsOnly, loaded));
            return encodeSeriesSet(set, loaded);
          } finally {
            slabs?.release();
            await q.close();
          }
        }),
      },
      {
        methods: ['POST'],
        path: '/api/v1/store/label_names',
        handler: read(async (r) => withQuerier(target, r, (q) => q.labelNames(r.matchers))),
      },
      {
        methods: ['POST'],
        path: '/api/v1/store/label_values',
        handler: read(async (r) => {
          if (r.name === undefined) throw new StoreRequestError('name', 'a label name is required');
          const name = r.name;
          return withQuerier(target, r, (q) => q.labelValues(name, r.matchers));
        }),
      },
      {
        methods: ['POST'],
        path: '/api/v1/store/tsdb_status',
        handler: (req, res) => answer(res, async () => {
          if (target.labelStats === undefined) throw new Error('this store does not report label statistics');
          return encodeLabelStats(await target.labelStats(parseLabelStatsRequest(await readJson(req))));
        }),
      },
      {
        methods: ['POST'],
        path: '/api/v1/store/wait_applied',
        handler: (req, res) => answer(res, async () => {
          if (target.waitApplied === undefined) throw new Error('this store does not report applied offsets');
          const r = parseWaitAppliedRequest(await readJson(req));
          if (typeof r === 'string') throw new StoreRequestError('body', r);
          return target.waitApplied(r);
        }),
      },
      {
        methods: ['POST'],
        path: '/api/v1/store/changes',
        handler: (req, res) => answer(res, async () => {
          if (target.changes === undefined) throw new Error('this store keeps no change log');
          const r = parseChangesRequest(await readJson(req));
          if (typeof r === 'string') throw new StoreRequestError('body', r);
          return target.changes(r);
        }),
      },
      ...(['pause', 'resume'] as const).map((what) => ({
        methods: ['POST', 'PUT'],
        path: `/api/v1/admin/store/${what}_consumption`,
        handler: admin(async (_req, res) => answer(res, async () => {
          if (target.pauseConsumption === undefined) throw new StoreRequestError('path', 'this store cannot pause its consumption');
          target.pauseConsumption(what === 'pause');
          return NO_CONTENT;
        })),
      })),
      {
        methods: ['POST', 'PUT'],
        path: '/api/v1/admin/tsdb/delete_series',
        handler: admin(async (req, res, url) => {
          await answer(res, async () => {
            const params = await formParams(req, url);
            const match = params.getAll('match[]');
            if (match.length === 0) throw new StoreRequestError('match[]', 'no match[] parameter provided');
            // The deletion travels as an Avro record, whose longs stop short of 2^53: open ends
            // and far-off times become the range of a JS Date (±8.64e15 ms), which covers any sample.
            const start = clampDeletionTime(parseTime(params.get('start'), 'start', -MAX_DATE_MS));
            const end = clampDeletionTime(parseTime(params.get('end'), 'end', MAX_DATE_MS));
            await target.deleteSeries(match.map(parseSelector), start, end);
            return NO_CONTENT;
          });
        }),
      },
      {
        methods: ['POST', 'PUT'],
        path: '/api/v1/admin/tsdb/snapshot',
        handler: admin(async (_req, res) => answer(res, async () => ({ name: await target.snapshot() }))),
      },
      {
        methods: ['POST', 'PUT'],
        path: '/api/v1/admin/tsdb/rebuild_downsampled',
        handler: admin(async (_req, res) => answer(res, async () => {
          if (target.rebuildDownsampled === undefined) throw new StoreRequestError('path', 'this store keeps no downsampled tiers');
          return { days: await target.rebuildDownsampled() };
        })),
      },
    ],
  };
}

/** Prometheus 2.x's exact answer (status 500, errorType unavailable) when started without --web.enable-admin-api. */
const adminDisabled: StoreHttpHandler = async (_req, res) => {
  const text = JSON.stringify({ status: 'error', errorType: 'unavailable', error: 'admin APIs disabled' });
  res.writeHead(500, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
};

interface ReadRequest {
  readonly matchers: LabelMatcher[];
  readonly start: number;
  readonly end: number;
  readonly labelsOnly: boolean;
  /** The reader needs no float values (SelectHints.timestampsOnly). */
  readonly timestampsOnly: boolean;
  readonly name?: string;
  /** Select window aggregates instead of samples (tsdb/downsample). */
  readonly rollup?: RollupHint;
  /** The most samples the select may load (what the query has left of `query.max_samples`). */
  readonly maxSamples?: number;
}

async function withQuerier<T>(target: Queryable, r: ReadRequest, fn: (q: ReturnType<Queryable['querier']>) => Promise<T>): Promise<T> {
  const q = target.querier(r.start, r.end);
  try {
    return await fn(q);
  } finally {
    await q.close();
  }
}

export interface StoreHttpApiOptions {
  /** Serve the admin endpoints (the role's `--web.enable-admin-api`). */
  readonly adminApi?: boolean;
  /**
   * Pooled slabs selects decode into, as the query API's do: a large select otherwise maps fresh
   * shared memory each time, whose page faults and collections cost more than the decode.
   */
  readonly slabs?: SelectSlabPool;
}

const NO_CONTENT = Symbol('no content');

/** A select answer in the series-columns form, sent as it is. */
/** A binary answer and its content type. */
class BinaryBody {
  constructor(
    readonly contentType: string,
    readonly bytes: Buffer,
  ) {}
}

function accepts(req: IncomingMessage, contentType: string): boolean {
  return req.headers.accept?.includes(contentType) === true;
}

async function answer(res: ServerResponse, fn: () => Promise<unknown>): Promise<void> {
  let status = 200;
  let body: unknown;
  try {
    const data = await fn();
    if (data === NO_CONTENT) {
      res.writeHead(204).end();
      return;
    }
    if (data instanceof BinaryBody) {
      res.writeHead(200, { 'content-type': data.contentType, 'content-length': data.bytes.length }).end(data.bytes);
      return;
    }
    body = { status: 'success', data };
  } catch (err) {
    const bad = err instanceof StoreRequestError || err instanceof InvalidMatcherError;
    const unavailable = err instanceof DeletionNotAppliedError;
    const tooMany = err instanceof PromqlTooManySamplesError;
    status = bad ? 400 : unavailable ? 503 : tooMany ? TOO_MANY_SAMPLES_STATUS : 500;
    body = { status: 'error', errorType: bad ? 'bad_data' : unavailable ? 'unavailable' : tooMany ? 'execution' : 'internal', error: err instanceof Error ? err.message : String(err) };
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new StoreRequestError('body', `request body larger than ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req);
  try {
    return JSON.parse(text === '' ? '{}' : text);
  } catch (err) {
    throw new StoreRequestError('body', 'not valid JSON', err);
  }
}

function parseReadRequest(body: unknown): ReadRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new StoreRequestError('body', 'expected a JSON object');
  const b = body as Record<string, unknown>;
  const matchers = b.matchers ?? [];
  if (!Array.isArray(matchers)) throw new StoreRequestError('matchers', 'expected an array');
  matchers.forEach((m: unknown, i) => {
    const x = m as Partial<LabelMatcher> | null;
    if (x === null || typeof x !== 'object' || !MATCH_TYPES.has(x.type as string) || typeof x.name !== 'string' || typeof x.value !== 'string') {
      throw new StoreRequestError(`matchers[${i}]`, 'expected {type: "=" | "!=" | "=~" | "!~", name, value}');
    }
  });
  const num = (k: string, dflt: number): number => {
    const v = b[k];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new StoreRequestError(k, 'expected a number of milliseconds');
    return v;
  };
  const start = num('start', Number.MIN_SAFE_INTEGER);
  const end = num('end', Number.MAX_SAFE_INTEGER);
  if (end < start) throw new StoreRequestError('end', 'end is before start');
  if (b.name !== undefined && typeof b.name !== 'string') throw new StoreRequestError('name', 'expected a string');
  const maxSamples = b.maxSamples ?? undefined;
  if (maxSamples !== undefined && (typeof maxSamples !== 'number' || !Number.isInteger(maxSamples) || maxSamples < 0)) throw new StoreRequestError('maxSamples', 'expected a sample count');
  return { matchers: matchers as LabelMatcher[], start, end, labelsOnly: b.labelsOnly === true, timestampsOnly: b.timestampsOnly === true, name: b.name as string | undefined, rollup: parseRollupHint(b.rollup), ...(maxSamples === undefined ? {} : { maxSamples }) };
}

function parseLabelStatsRequest(body: unknown): LabelStatsRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new StoreRequestError('body', 'expected a JSON object');
  const b = body as Record<string, unknown>;
  const selectors = b.selectors ?? [];
  if (!Array.isArray(selectors)) throw new StoreRequestError('selectors', 'expected an array of matcher lists');
  const lists = selectors.map((m: unknown, i) => {
    try {
      return parseReadRequest({ matchers: m }).matchers;
    } catch (err) {
      throw new StoreRequestError(`selectors[${i}]`, err instanceof Error ? err.message : String(err), err);
    }
  });
  if (b.start === undefined && b.end === undefined) return { selectors: lists };
  const { start, end } = parseReadRequest({ start: b.start, end: b.end });
  return { selectors: lists, range: { start, end } };
}

/** Query parameters plus, for a form body, its fields (Prometheus accepts both). */
async function formParams(req: IncomingMessage, url: URL): Promise<URLSearchParams> {
  const params = new URLSearchParams(url.searchParams);
  if ((req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(await readBody(req))) params.append(k, v);
  }
  return params;
}

const MAX_DATE_MS = 8_640_000_000_000_000;

function clampDeletionTime(ms: number): number {
  return Math.min(MAX_DATE_MS, Math.max(-MAX_DATE_MS, ms));
}

/** A Prometheus API time: unix seconds (fractions allowed) or RFC 3339; returns milliseconds. */
export function parseTime(text: string | null, param: string, dflt: number): number {
  if (text === null || text === '') return dflt;
  const secs = Number(text);
  if (Number.isFinite(secs)) return Math.round(secs * 1000);
  const ms = Date.parse(text);
  if (/^\d{4}-\d\d-\d\dT/.test(text) && Number.isFinite(ms)) return ms;
  throw new StoreRequestError(param, `cannot parse ${JSON.stringify(text)} to a valid timestamp`);
}

function parseSelector(text: string): LabelMatcher[] {
  let expr;
  try {
    expr = parseExpr(text);
  } catch (err) {
    throw new StoreRequestError('match[]', err instanceof Error ? err.message : String(err), err);
  }
  if (expr.type !== 'vector_selector') throw new StoreRequestError('match[]', `${JSON.stringify(text)} is not a series selector`);
  return expr.matchers;
}
