import type { LabelMatcher, LabelStats, LabelStatsRequest, Querier, Queryable, SelectHints, Series, SeriesSet } from '../tsdb/index.js';
import { decodedSeries, sharedDecodePool, type DecodePool, type DecodeResult } from '../tsdb/select-decode/index.js';
import { parseWaitAppliedAnswer, type AppliedOffsetsWaiter, type WaitAppliedAnswer, type WaitAppliedRequest } from './applied-offsets-wire.js';
import { parseChangesAnswer, type ChangeSource, type ChangesAnswer, type ChangesRequest } from './changes-wire.js';
import { RemoteStoreError } from './errors.js';
import { decodeLabelStats, encodeLabelStatsRequest } from './label-stats-wire.js';
import { decodeLoadedSamples, decodeSeriesSet } from './series-wire.js';
import { SELECT_CHUNKS_CONTENT_TYPE, SelectChunksReader, type DecodedSelectChunks } from './select-chunks-wire.js';
import { SERIES_COLUMNS_CONTENT_TYPE, SeriesColumnsReader } from './series-columns-wire.js';
import { StoreHttpClient, type BodyReaderFor, type StoreClientSettings, type StoreHttpAnswer } from './store-http-client.js';

/** How a store refuses a select over the query's `maxSamples` (422, Prometheus' `execution`). */
export const TOO_MANY_SAMPLES_STATUS = 422;

export interface RemoteStoreOptions {
  /** Per-request timeout; default 30 s. */
  readonly timeoutMs?: number;
  /** Credentials and TLS for stores behind a web configuration file. */
  readonly client?: StoreClientSettings;
  /** Decodes select-chunks answers; default the process' pool (sharedDecodePool). */
  readonly decoder?: DecodePool;
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
    const request = JSON.stringify({
      matchers,
      start: Math.max(hints.start, this.mint),
      end: Math.min(hints.end, this.maxt),
      labelsOnly: hints.labelsOnly === true,
      ...(hints.timestampsOnly === true ? { timestampsOnly: true } : {}),
      ...(hints.rollup === undefined ? {} : { rollup: hints.rollup }),
      // The store refuses, before decoding, a select that would load more than the query has left.
      ...(budget === undefined ? {} : { maxSamples: budget.remaining }),
    });
    let res: StoreHttpAnswer;
    let columns: SeriesColumnsReader | undefined;
    let chunks: SelectChunksReader | undefined;
    // Chunks for the decode pool here, else decoded columns, else JSON: whichever the store sends.
    const reader: BodyReaderFor = (status, contentType) => {
      if (status !== 200) return undefined;
      if (contentType.startsWith(SELECT_CHUNKS_CONTENT_TYPE)) {
        const r = (chunks = new SelectChunksReader());
        return (piece) => r.push(piece);
      }
      if (!contentType.startsWith(SERIES_COLUMNS_CONTENT_TYPE)) return undefined;
      const r = (columns = new SeriesColumnsReader(hints.slabs));
      return (piece) => r.push(piece);
    };
    const accept = hints.rollup === undefined && hints.labelsOnly !== true ? `${SELECT_CHUNKS_CONTENT_TYPE}, ${SERIES_COLUMNS_CONTENT_TYPE}` : SERIES_COLUMNS_CONTENT_TYPE;
    try {
      res = await this.client.post(storeUrl(this.address, 'select'), request, this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS, accept, reader);
    } catch (err) {
      if (err instanceof TypeError && (columns !== undefined || chunks !== undefined)) throw new RemoteStoreError(this.address, 200, `malformed select answer: ${err.message}`, err);
      throw new RemoteStoreError(this.address, 0, `select request failed: ${(err as Error).message}`, err);
    }
    let set: SeriesSet;
    let loaded: number | undefined;
    if (chunks !== undefined) {
      ({ loaded, ...set } = await this.decodeChunks(chunks, hints));
    } else if (columns !== undefined) {
      try {
        ({ loaded, ...set } = columns.finish());
      } catch (err) {
        throw new RemoteStoreError(this.address, 200, `malformed select answer: ${(err as Error).message}`, err);
      }
    } else {
      // JSON: an error, or a store that does not send series columns.
      let data: unknown;
      try {
        data = storeAnswerData(this.address, 'select', res.status, res.text);
      } catch (err) {
        // Charging past what remains fails the query with its own limit and Prometheus' error.
        if (budget !== undefined && err instanceof RemoteStoreError && err.status === TOO_MANY_SAMPLES_STATUS) budget.load(budget.remaining + 1);
        throw err;
      }
      try {
        set = decodeSeriesSet(data);
        loaded = decodeLoadedSamples(data);
      } catch (err) {
        throw new RemoteStoreError(this.address, 200, `malformed select answer: ${(err as Error).message}`, err);
      }
    }
    if (budget !== undefined && loaded !== undefined) budget.load(loaded);
    return set;
  }

  /** A select-chunks answer decoded in this process' decode pool, into the query's slabs first. */
  private async decodeChunks(chunks: SelectChunksReader, hints: SelectHints): Promise<SeriesSet & { loaded: number | undefined }> {
    let answer: DecodedSelectChunks;
    try {
      answer = chunks.finish();
    } catch (err) {
      throw new RemoteStoreError(this.address, 200, `malformed select answer: ${(err as Error).message}`, err);
    }
    let decoded: { results: DecodeResult[]; first: number[] };
    try {
      decoded = await (this.options.decoder ?? sharedDecodePool()).decodeJob(answer.job, hints.slabs);
    } catch (err) {
      // The same answer would fail the same way: not retryable.
      throw new RemoteStoreError(this.address, 200, `decoding the select answer's chunks failed: ${(err as Error).message}`, err);
    }
    const series = decodedSeries(decoded.results, decoded.first, answer.labels).filter((s): s is Series => s !== null);
    return { series, warnings: answer.warnings, loaded: answer.loaded };
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

const DEFAULT_TIMEOUT_MS = 30_000;

function storeUrl(address: string, what: string): string {
  return `${address.replace(/\/+$/, '')}/api/v1/store/${what}`;
}

async function postToStore(client: StoreHttpClient, address: string, what: string, body: unknown, timeoutMs: number | undefined): Promise<unknown> {
  let res: StoreHttpAnswer;
  try {
    res = await client.post(storeUrl(address, what), JSON.stringify(body), timeoutMs ?? DEFAULT_TIMEOUT_MS);
  } catch (err) {
    throw new RemoteStoreError(address, 0, `${what} request failed: ${(err as Error).message}`, err);
  }
  return storeAnswerData(address, what, res.status, res.text);
}

/** The `data` of a store's JSON answer; RemoteStoreError for an error answer or one that is not JSON. */
function storeAnswerData(address: string, what: string, status: number, text: string): unknown {
  let doc: { status?: string; data?: unknown; error?: string };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch (err) {
    throw new RemoteStoreError(address, status, `${what} answered ${status} with non-JSON: ${text.slice(0, 200)}`, err);
  }
  if (status < 200 || status >= 300 || doc.status !== 'success') {
    throw new RemoteStoreError(address, status, `${what} answered ${status}: ${doc.error ?? text.slice(0, 200)}`);
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
    const data = await postToStore(this.client, this.address, 'wait_applied', req, req.timeoutMs + (this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS));
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
