import type { LabelMatcher, LabelStats, LabelStatsRequest, Querier, Queryable, SelectHints, SeriesSet } from '../tsdb/index.js';
import { parseWaitAppliedAnswer, type AppliedOffsetsWaiter, type WaitAppliedAnswer, type WaitAppliedRequest } from './applied-offsets-wire.js';
import { parseChangesAnswer, type ChangeSource, type ChangesAnswer, type ChangesRequest } from './changes-wire.js';
import { RemoteStoreError } from './errors.js';
import { decodeLabelStats, encodeLabelStatsRequest } from './label-stats-wire.js';
import { decodeLoadedSamples, decodeSeriesSet } from './series-wire.js';
import { StoreHttpClient, type StoreClientSettings, type StoreHttpAnswer } from './store-http-client.js';

/** How a store refuses a select over the query's `maxSamples` (422, Prometheus' `execution`). */
export const TOO_MANY_SAMPLES_STATUS = 422;

export interface RemoteStoreOptions {
  /** Per-request timeout; default 30 s. */
  readonly timeoutMs?: number;
  /** Credentials and TLS for stores behind a web configuration file. */
  readonly client?: StoreClientSettings;
}

/**
 * Reads one remote store's shards through its `/api/v1/store/*` endpoints (store-http-api.ts).
 * `address` is the store's base URL, e.g. `http://10.0.0.5:9464`. Failures throw
 * RemoteStoreError (retryable when the store was unreachable or answered 5xx); the fan-out above
 * decides whether that becomes a warning or a failed query.
 */
export class RemoteStoreQuerier implements Querier {
  constructor(
    readonly address: string,
    private readonly mint: number,
    private readonly maxt: number,
    private readonly options: RemoteStoreOptions = {},
    private readonly client = new StoreHttpClient(options.client),
  ) {}

  async select(matchers: readonly LabelMatcher[], hints: SelectHints): Promise<SeriesSet> {
    const budget = hints.labelsOnly === true ? undefined : hints.budget;
    let data: unknown;
    try {
      data = await this.post('select', {
        matchers,
        start: Math.max(hints.start, this.mint),
        end: Math.min(hints.end, this.maxt),
        labelsOnly: hints.labelsOnly === true,
        ...(hints.rollup === undefined ? {} : { rollup: hints.rollup }),
        // The store refuses, before decoding, a select that would load more than the query has left.
        ...(budget === undefined ? {} : { maxSamples: budget.remaining }),
      });
    } catch (err) {
      // Charging past what remains fails the query with its own limit and Prometheus' error.
      if (budget !== undefined && err instanceof RemoteStoreError && err.status === TOO_MANY_SAMPLES_STATUS) budget.load(budget.remaining + 1);
      throw err;
    }
    let set: SeriesSet;
    let loaded: number | undefined;
    try {
      set = decodeSeriesSet(data);
      loaded = decodeLoadedSamples(data);
    } catch (err) {
      throw new RemoteStoreError(this.address, 200, `malformed select answer: ${(err as Error).message}`, err);
    }
    if (budget !== undefined && loaded !== undefined) budget.load(loaded);
    return set;
  }

  async labelNames(matchers: readonly LabelMatcher[]): Promise<string[]> {
    return strings(this.address, await this.post('label_names', { matchers, start: this.mint, end: this.maxt }));
  }

  async labelValues(name: string, matchers: readonly LabelMatcher[]): Promise<string[]> {
    return strings(this.address, await this.post('label_values', { name, matchers, start: this.mint, end: this.maxt }));
  }

  async close(): Promise<void> {}

  private post(what: string, body: unknown): Promise<unknown> {
    return postToStore(this.client, this.address, what, body, this.options.timeoutMs);
  }
}

async function postToStore(client: StoreHttpClient, address: string, what: string, body: unknown, timeoutMs: number | undefined): Promise<unknown> {
  let res: StoreHttpAnswer;
  try {
    res = await client.post(`${address.replace(/\/+$/, '')}/api/v1/store/${what}`, JSON.stringify(body), timeoutMs ?? 30_000);
  } catch (err) {
    throw new RemoteStoreError(address, 0, `${what} request failed: ${(err as Error).message}`, err);
  }
  const text = res.text;
  let doc: { status?: string; data?: unknown; error?: string };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch (err) {
    throw new RemoteStoreError(address, res.status, `${what} answered ${res.status} with non-JSON: ${text.slice(0, 200)}`, err);
  }
  if (res.status < 200 || res.status >= 300 || doc.status !== 'success') {
    throw new RemoteStoreError(address, res.status, `${what} answered ${res.status}: ${doc.error ?? text.slice(0, 200)}`);
  }
  return doc.data;
}

function strings(address: string, data: unknown): string[] {
  if (!Array.isArray(data) || !data.every((x) => typeof x === 'string')) {
    throw new RemoteStoreError(address, 200, 'expected an array of strings');
  }
  return data;
}

/** Queriers over one remote store; also waits for it to apply offsets (read-your-writes). */
export class RemoteStoreQueryable implements Queryable, AppliedOffsetsWaiter, ChangeSource {
  /** One client (and its kept-alive connections) for every querier of this store. */
  private readonly client: StoreHttpClient;

  constructor(
    readonly address: string,
    private readonly options: RemoteStoreOptions = {},
  ) {
    this.client = new StoreHttpClient(options.client);
  }

  querier(mint: number, maxt: number): Querier {
    return new RemoteStoreQuerier(this.address, mint, maxt, this.options, this.client);
  }

  /** Waits for the store's shards to apply offsets (`POST /api/v1/store/wait_applied`); the request outlives the wait by the read timeout. */
  async waitApplied(req: WaitAppliedRequest): Promise<WaitAppliedAnswer> {
    const data = await postToStore(this.client, this.address, 'wait_applied', req, req.timeoutMs + (this.options.timeoutMs ?? 30_000));
    const answer = parseWaitAppliedAnswer(data);
    if (typeof answer === 'string') throw new RemoteStoreError(this.address, 200, `malformed wait_applied answer: ${answer}`);
    return answer;
  }

  /** What changed since cached pieces' offsets (`POST /api/v1/store/changes`). */
  async changes(req: ChangesRequest): Promise<ChangesAnswer> {
    const answer = parseChangesAnswer(await postToStore(this.client, this.address, 'changes', req, this.options.timeoutMs));
    if (typeof answer === 'string') throw new RemoteStoreError(this.address, 200, `malformed changes answer: ${answer}`);
    return answer;
  }

  /** The store's label statistics (`POST /api/v1/store/tsdb_status`). */
  async labelStats(req: LabelStatsRequest): Promise<LabelStats> {
    const data = await postToStore(this.client, this.address, 'tsdb_status', encodeLabelStatsRequest(req), this.options.timeoutMs);
    try {
      return decodeLabelStats(data);
    } catch (err) {
      throw new RemoteStoreError(this.address, 200, `malformed tsdb_status answer: ${(err as Error).message}`, err);
    }
  }
}
