import type { ServerResponse } from 'node:http';
import protobuf from 'protobufjs';
import { snappyBlockCompress, snappyBlockUncompress } from '../../schemas/snappy-block.js';
import { compareStrings, type Labels } from '../../schemas/labels.js';
import { PROMPB_FLOAT_HISTOGRAM_TYPES, prompbFloatHistogram } from '../../schemas/native-histogram/index.js';
import type { LabelMatcher, MatchType } from '../tsdb/index.js';
import { readBody } from './api-params.js';
import type { ApiContext, QueryRoute } from './api-settings.js';
import { QueryApiError } from './errors.js';
import { toApiError } from './api-response.js';
import { CHUNKED_READ_CONTENT_TYPE, seriesChunks, seriesFrames } from './chunked-read-response.js';

/** The remote-read messages of prompb (remote.proto + types.proto), gogoproto options dropped. */
const root = protobuf.Root.fromJSON({
  nested: {
    prometheus: {
      nested: {
        ReadRequest: {
          fields: {
            queries: { rule: 'repeated', type: 'Query', id: 1 },
            acceptedResponseTypes: { rule: 'repeated', type: 'ResponseType', id: 2 },
          },
          nested: { ResponseType: { values: { SAMPLES: 0, STREAMED_XOR_CHUNKS: 1 } } },
        },
        ResponseType: { values: { SAMPLES: 0, STREAMED_XOR_CHUNKS: 1 } },
        ReadResponse: { fields: { results: { rule: 'repeated', type: 'QueryResult', id: 1 } } },
        Query: {
          fields: {
            startTimestampMs: { type: 'int64', id: 1 },
            endTimestampMs: { type: 'int64', id: 2 },
            matchers: { rule: 'repeated', type: 'LabelMatcher', id: 3 },
            hints: { type: 'ReadHints', id: 4 },
          },
        },
        QueryResult: { fields: { timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 } } },
        LabelMatcher: {
          fields: { type: { type: 'Type', id: 1 }, name: { type: 'string', id: 2 }, value: { type: 'string', id: 3 } },
          nested: { Type: { values: { EQ: 0, NEQ: 1, RE: 2, NRE: 3 } } },
        },
        ReadHints: {
          fields: {
            stepMs: { type: 'int64', id: 1 },
            func: { type: 'string', id: 2 },
            startMs: { type: 'int64', id: 3 },
            endMs: { type: 'int64', id: 4 },
            grouping: { rule: 'repeated', type: 'string', id: 5 },
            by: { type: 'bool', id: 6 },
            rangeMs: { type: 'int64', id: 7 },
          },
        },
        TimeSeries: {
          fields: {
            labels: { rule: 'repeated', type: 'Label', id: 1 },
            samples: { rule: 'repeated', type: 'Sample', id: 2 },
            histograms: { rule: 'repeated', type: 'Histogram', id: 4 },
          },
        },
        // Tidemark answers the float histograms its queriers return.
        ...PROMPB_FLOAT_HISTOGRAM_TYPES,
        Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
      },
    },
  },
});

export const ReadRequestType = root.lookupType('prometheus.ReadRequest');
export const ReadResponseType = root.lookupType('prometheus.ReadResponse');

const MATCH: readonly MatchType[] = ['=', '!=', '=~', '!~'];
const MAX_REQUEST_BYTES = 32 << 20;

interface DecodedQuery {
  startTimestampMs?: number;
  endTimestampMs?: number;
  matchers?: { type?: number; name?: string; value?: string }[];
}

/** ReadRequest.ResponseType values. */
const SAMPLES = 0;
const STREAMED_XOR_CHUNKS = 1;

/**
 * Remote read (`POST /api/v1/read`): a snappy-compressed protobuf `ReadRequest` in; out, the
 * first of the request's `accepted_response_types` this server offers (SAMPLES when it names
 * none, as Prometheus decides). SAMPLES: a snappy-compressed `ReadResponse` with float samples in
 * `samples` and native histograms in `histograms` (float counts, as Prometheus answers the float
 * histograms of its queriers), staleness markers left out (a JavaScript number cannot carry their
 * NaN payload reliably). STREAMED_XOR_CHUNKS: `ChunkedReadResponse` frames, a series at a time
 * (see chunked-read-response.ts), written as each query's select is answered.
 */
export function remoteReadRoutes(ctx: ApiContext): QueryRoute[] {
  return [
    {
      methods: ['POST'],
      path: '/api/v1/read',
      handler: async (req, res) => {
        try {
          const body = await readBody(req, MAX_REQUEST_BYTES);
          let request: { queries?: DecodedQuery[]; acceptedResponseTypes?: number[] };
          try {
            request = ReadRequestType.toObject(ReadRequestType.decode(snappyBlockUncompress(body)), { longs: Number, enums: Number, defaults: true }) as typeof request;
          } catch (err) {
            throw new QueryApiError('bad_data', `cannot decode remote read request: ${(err as Error).message}`, { cause: err });
          }
          const accepted = request.acceptedResponseTypes ?? [];
          const type = accepted.length === 0 ? SAMPLES : accepted.find((t) => t === SAMPLES || t === STREAMED_XOR_CHUNKS);
          if (type === undefined) {
            throw new QueryApiError('bad_data', `server does not support any of the requested response types: ${accepted.join(', ')}`);
          }
          if (type === STREAMED_XOR_CHUNKS) {
            await streamChunks(ctx, request.queries ?? [], res);
            return;
          }
          const results = [];
          for (const q of request.queries ?? []) results.push({ timeseries: await readQuery(ctx, q) });
          const bytes = snappyBlockCompress(ReadResponseType.encode({ results }).finish());
          res.writeHead(200, {
            'content-type': 'application/x-protobuf',
            'content-encoding': 'snappy',
            'content-length': bytes.length,
          }).end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
        } catch (err) {
          // Prometheus answers remote-read errors as plain text with the status.
          const e = toApiError(err);
          if (!res.headersSent) res.writeHead(e.status, { 'content-type': 'text/plain; charset=utf-8' }).end(e.message + '\n');
          else res.end();
        }
      },
    },
  ];
}

function matchersOf(q: DecodedQuery): LabelMatcher[] {
  return (q.matchers ?? []).map((m) => {
    const type = MATCH[m.type ?? 0];
    if (type === undefined) throw new QueryApiError('bad_data', `unknown label matcher type ${m.type}`);
    return { type, name: m.name ?? '', value: m.value ?? '' };
  });
}

/**
 * Writes the streamed answer: every query's matchers are checked before the status line goes
 * out, since an error after it can only cut the stream short (a client sees a truncated frame).
 */
async function streamChunks(ctx: ApiContext, queries: readonly DecodedQuery[], res: ServerResponse): Promise<void> {
  const all = queries.map((q) => ({ start: q.startTimestampMs ?? 0, end: q.endTimestampMs ?? 0, matchers: matchersOf(q) }));
  const ext = ctx.settings.externalLabels ?? {};
  res.writeHead(200, { 'content-type': CHUNKED_READ_CONTENT_TYPE });
  for (let qi = 0; qi < all.length; qi++) {
    const { start, end, matchers } = all[qi]!;
    const querier = ctx.settings.queryable.querier(start, end);
    try {
      const set = await querier.select(matchers, { start, end });
      for (const s of set.series) {
        const labels: Labels = { ...ext, ...s.labels };
        const sorted = Object.keys(labels).sort(compareStrings).map((name) => ({ name, value: labels[name]! }));
        for (const f of seriesFrames(qi, sorted, seriesChunks({ labels: sorted, timestamps: s.timestamps, values: s.values, stale: s.stale, histograms: s.histograms }, start, end))) {
          if (!res.write(f)) await new Promise<void>((resolve) => res.once('drain', resolve));
        }
      }
    } finally {
      await querier.close();
    }
  }
  res.end();
}

async function readQuery(ctx: ApiContext, q: DecodedQuery): Promise<unknown[]> {
  const start = q.startTimestampMs ?? 0;
  const end = q.endTimestampMs ?? 0;
  const matchers = matchersOf(q);
  const querier = ctx.settings.queryable.querier(start, end);
  try {
    const set = await querier.select(matchers, { start, end });
    const ext = ctx.settings.externalLabels ?? {};
    return set.series.map((s) => {
      const labels: Labels = { ...ext, ...s.labels };
      const samples: { value: number; timestamp: number }[] = [];
      const histograms: unknown[] = [];
      for (let i = 0; i < s.timestamps.length; i++) {
        const t = s.timestamps[i];
        if (t < start || t > end || (s.stale !== null && s.stale[i] === 1)) continue;
        const h = s.histograms?.[i];
        if (h == null) samples.push({ value: s.values[i], timestamp: t });
        else histograms.push(prompbFloatHistogram(h, t));
      }
      return {
        labels: Object.keys(labels).sort(compareStrings).map((name) => ({ name, value: labels[name] })),
        samples,
        histograms,
      };
    });
  } finally {
    await querier.close();
  }
}
