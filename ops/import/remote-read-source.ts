import { snappyBlockCompress, snappyBlockUncompress } from '../../schemas/snappy-block.js';
import type { LabelMatcher } from '../../pipeline/tsdb/index.js';
// The module, not the query package's index: the index loads the whole query engine.
import { ReadRequestType } from '../../pipeline/query/remote-read.js';
import { RemoteReadError } from './remote-read-error.js';
import { ChunkedReadDecoder, decodeReadResponse, type ReadSeries } from './remote-read-response.js';

export { RemoteReadError };

/** A time range of the source read in one request; both ends included, as remote read has them. */
export interface TimeChunk {
  readonly start: number;
  readonly end: number;
}


/**
 * [from, to] cut into chunks of `chunkMs` aligned to `from`: one request per chunk bounds what the
 * source holds in memory for one answer (Prometheus decodes a whole SAMPLES answer at once).
 */
export function timeChunks(fromMs: number, toMs: number, chunkMs: number): TimeChunk[] {
  const out: TimeChunk[] = [];
  for (let start = fromMs; start <= toMs; start += chunkMs) out.push({ start, end: Math.min(start + chunkMs - 1, toMs) });
  return out;
}

const MATCH_TYPE: Readonly<Record<LabelMatcher['type'], number>> = { '=': 0, '!=': 1, '=~': 2, '!~': 3 };

/**
 * Reads one chunk of the series that `matchers` select from a remote-read endpoint
 * (`.../api/v1/read`), as streamed XOR chunks when the source offers them, else as samples. A
 * streamed answer is decoded as it arrives, so its first series are sent on while the source
 * still answers.
 */
export class RemoteReadSource {
  constructor(
    private readonly url: string,
    private readonly matchers: readonly LabelMatcher[],
    private readonly headers: Readonly<Record<string, string>> = {},
  ) {}

  async read(chunk: TimeChunk): Promise<ReadSeries[] | AsyncIterable<ReadSeries>> {
    const request = ReadRequestType.encode({
      queries: [
        {
          startTimestampMs: chunk.start,
          endTimestampMs: chunk.end,
          matchers: this.matchers.map((m) => ({ type: MATCH_TYPE[m.type], name: m.name, value: m.value })),
        },
      ],
      // Streamed XOR chunks first: the source sends its chunks as stored instead of decoding
      // them into samples; a source that only has SAMPLES (tidemark query) answers with those.
      acceptedResponseTypes: [1, 0],
    }).finish();
    const where = `${this.url} [${new Date(chunk.start).toISOString()}, ${new Date(chunk.end).toISOString()}]`;
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        body: new Uint8Array(snappyBlockCompress(request)),
        headers: {
          'content-type': 'application/x-protobuf',
          'content-encoding': 'snappy',
          'x-prometheus-remote-read-version': '0.1.0',
          ...this.headers,
        },
      });
    } catch (err) {
      throw readError(where, err);
    }
    if (res.ok && res.body !== null && /^application\/x-streamed-protobuf\b/.test(res.headers.get('content-type') ?? '')) {
      // Locked now, not when the series are first asked for: fetch cancels the body of a response
      // it collects while no reader holds it, and a prefetched answer can wait that long.
      return streamedSeries(res.body[Symbol.asyncIterator](), chunk, where);
    }
    const body = Buffer.from(await res.arrayBuffer());
    if (!res.ok) throw new RemoteReadError(`${where}: answered ${res.status}: ${body.toString('utf8').trim()}`);
    try {
      return decodeReadResponse(snappyBlockUncompress(body));
    } catch (err) {
      throw new RemoteReadError(`${where}: ${(err as Error).message}`, { cause: err });
    }
  }
}

/** A failed read of the request `where`, with the reason and its cause (fetch's network errors carry the detail there). */
function readError(where: string, err: unknown): RemoteReadError {
  const e = err as Error;
  return new RemoteReadError(`${where}: ${e.message}${e.cause ? ` (${String(e.cause)})` : ''}`, { cause: err });
}

/** The series of a streamed answer as its frames arrive; `where` names the request in errors. */
async function* streamedSeries(pieces: AsyncIterator<Uint8Array>, chunk: TimeChunk, where: string): AsyncGenerator<ReadSeries> {
  const decoder = new ChunkedReadDecoder(chunk.start, chunk.end);
  for (;;) {
    let piece: IteratorResult<Uint8Array>;
    try {
      piece = await pieces.next();
    } catch (err) {
      throw readError(where, err);
    }
    let series: ReadSeries[];
    try {
      series = piece.done === true ? decoder.finish() : decoder.push(Buffer.from(piece.value.buffer, piece.value.byteOffset, piece.value.byteLength));
    } catch (err) {
      throw readError(where, err);
    }
    yield* series;
    if (piece.done === true) return;
  }
}

/** Non-finite values as VictoriaMetrics writes them in its JSON lines (JSON has no NaN). */
function jsonValue(v: number): string {
  if (Number.isFinite(v)) return String(v);
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Inf' : '-Inf';
}

/** One series as a line of VictoriaMetrics' `/api/v1/export` format, which `/api/v1/import` reads. */
export function vmJsonLine(s: ReadSeries): string {
  return `{"metric":${JSON.stringify(s.labels)},"values":[${s.values.map(jsonValue).join(',')}],"timestamps":[${s.timestamps.join(',')}]}`;
}
