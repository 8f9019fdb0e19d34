/**
 * Native-histogram samples as a remote_write 1.0 request (prompb `WriteRequest`, snappy block
 * compressed): how `tidemark import` hands the histograms of a remote-read source or a block to
 * the server, whose remote-write endpoint validates and stores them as it does Prometheus'.
 * Histograms go with float counts (prompb `count_float`, `positive_counts`, ...).
 */
import protobuf from 'protobufjs';
import { snappyBlockCompress } from '../../schemas/snappy-block.js';
import { PROMPB_FLOAT_HISTOGRAM_TYPES, prompbFloatHistogram } from '../../schemas/native-histogram/index.js';
import { ImportRequestError, type RetryNotice } from './import-sender.js';
import type { ReadHistograms } from './remote-read-response.js';

const root = protobuf.Root.fromJSON({
  nested: {
    prometheus: {
      nested: {
        WriteRequest: { fields: { timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 } } },
        TimeSeries: {
          fields: {
            labels: { rule: 'repeated', type: 'Label', id: 1 },
            histograms: { rule: 'repeated', type: 'Histogram', id: 4 },
          },
        },
        Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        ...PROMPB_FLOAT_HISTOGRAM_TYPES,
      },
    },
  },
});
const WriteRequest = root.lookupType('prometheus.WriteRequest');

/** A histogram series to write. */
export interface HistogramSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly histograms: ReadHistograms;
}

/** The snappy-compressed `WriteRequest` of these series' histograms. */
export function histogramWriteRequest(series: readonly HistogramSeries[]): Uint8Array {
  const timeseries = series.map((s) => ({
    labels: Object.keys(s.labels).sort().map((name) => ({ name, value: s.labels[name] })),
    histograms: s.histograms.histograms.map((h, i) => prompbFloatHistogram(h, s.histograms.timestamps[i]!)),
  }));
  return snappyBlockCompress(WriteRequest.encode({ timeseries }).finish());
}

/** Sample count of the series (what a batch reports as imported). */
export function histogramSampleCount(series: readonly HistogramSeries[]): number {
  let n = 0;
  for (const s of series) n += s.histograms.timestamps.length;
  return n;
}

const MAX_RETRIES = 10;

/**
 * Posts one request to `url` (the server's `/api/v1/write`), waiting `Retry-After` on 429 and 503
 * as the import's other requests do. Anything but a 2xx is an ImportRequestError naming `what`.
 */
export async function sendHistograms(url: string, what: string, body: Uint8Array, headers: Readonly<Record<string, string>> = {}, onRetry?: (notice: RetryNotice) => void): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST', body,
        headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0', ...headers },
      });
    } catch (err) {
      throw new ImportRequestError(`${url}: ${(err as Error).message}`, { cause: err });
    }
    const text = await res.text();
    if (res.status >= 200 && res.status < 300) return;
    if ((res.status === 429 || res.status === 503) && attempt < MAX_RETRIES) {
      const asked = Number(res.headers.get('retry-after') ?? 1);
      const wait = Math.max(0.1, Number.isFinite(asked) ? asked : 1);
      onRetry?.({ url, status: res.status, reason: text.trim(), waitSeconds: wait });
      await new Promise((r) => setTimeout(r, wait * 1000));
      continue;
    }
    throw new ImportRequestError(`${what}: native histograms: ${url} answered ${res.status}: ${text.trim()}`, undefined, res.status);
  }
}
