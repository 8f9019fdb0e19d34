import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snappyBlockCompress } from '../../schemas/snappy-block.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pbLabels, snappyWriteRequest, type PbHistogram } from '../../connectors/remote-write/testdata/prompb.js';
import { decodeChunkedReadFrames } from '../../pipeline/query/chunked-read-response.js';
import { ReadRequestType } from '../../pipeline/query/remote-read.js';
import { decodeHistogramChunk } from '../../pipeline/tsdb/chunks/prometheus-histogram-chunk.js';
import { XorIterator } from '../../pipeline/tsdb/chunks/xor-chunk.js';
import { freePort } from '../harness/index.js';
import { spawnService, type ServiceProcess } from '../harness/service-process.js';
import { startCli, waitFor, type RunningCli } from './cli-process.js';

const STEP = 15_000;
const STEPS = 150; // more than one chunk of 120 samples

/** The k-th sample of a counter histogram that is reset half-way and grows a bucket at k = 40. */
function histogram(k: number, t: number): PbHistogram {
  const n = k < 90 ? k : k - 90;
  const buckets = k >= 40 ? [1 + n, 2 + 2 * n, 3 + 3 * n] : [1 + n, 2 + 2 * n];
  const deltas = buckets.map((b, i) => (i === 0 ? b : b - buckets[i - 1]!));
  return {
    countInt: n + buckets.reduce((a, b) => a + b, 0), sum: 10 + 12.5 * n, schema: 0, zeroThreshold: 0.001, zeroCountInt: n,
    positiveSpans: [{ offset: 0, length: buckets.length }], positiveDeltas: deltas, timestamp: t,
  };
}

interface Decoded {
  floats: [number, number][];
  histograms: [number, string][];
  types: number[];
}

/** A streamed answer's series by their labels, chunks decoded. */
function decodeStream(body: Uint8Array): Map<string, Decoded> {
  const out = new Map<string, Decoded>();
  for (const s of decodeChunkedReadFrames(body)) {
    const key = JSON.stringify(s.labels);
    let d = out.get(key);
    if (d === undefined) out.set(key, (d = { floats: [], histograms: [], types: [] }));
    for (const c of s.chunks) {
      d.types.push(c.type);
      if (c.type === 1) {
        const it = new XorIterator(c.data);
        while (it.next()) d.floats.push([it.t, it.v]);
      } else {
        const h = decodeHistogramChunk(c.type, c.data);
        // The counter-reset hint of a chunk's first histogram is not compared: each side cuts chunks where it likes.
        h.timestamps.forEach((t, i) => d.histograms.push([t, h.histograms[i]!.toString()]));
      }
    }
  }
  return out;
}

/**
 * Remote read with STREAMED_XOR_CHUNKS: the same floats and native histograms written to
 * `tidemark up` and to Prometheus 2.42, read back as streamed chunks from both, decoded and
 * compared sample by sample.
 */
describe('tidemark up answering remote read with streamed chunks, beside Prometheus 2.42', () => {
  let dir: string;
  let up: RunningCli;
  let prometheus: ServiceProcess;
  let promUrl: string;
  const end = Math.floor(Date.now() / STEP) * STEP - STEP;
  const start = end - (STEPS - 1) * STEP;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-rr-chunks-'));
    await writeFile(join(dir, 'tidemark.yml'), 'scrape_configs: []\n');
    await writeFile(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1h\n');
    await mkdir(join(dir, 'prometheus'));
    const port = await freePort();
    [up, prometheus] = await Promise.all([
      startCli(['up', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'data')]),
      spawnService({
        command: '/usr/bin/prometheus',
        args: [
          '--config.file', join(dir, 'prometheus.yml'), '--storage.tsdb.path', join(dir, 'prometheus'),
          '--web.listen-address', `127.0.0.1:${port}`, '--web.enable-remote-write-receiver', '--enable-feature=native-histograms',
        ],
        ready: /Server is ready to receive web requests/,
        guard: true,
        readyTimeoutMs: 60_000,
      }).then((s) => s.process),
    ]);
    promUrl = `http://127.0.0.1:${port}`;
    const ks = Array.from({ length: STEPS }, (_, k) => k);
    const body = snappyWriteRequest({
      timeseries: [
        { labels: pbLabels({ __name__: 'rr_requests_total', job: 'api' }), samples: ks.map((k) => ({ value: k === 70 ? 3 : 1000 + k * 7.25, timestamp: start + k * STEP })) },
        { labels: pbLabels({ __name__: 'rr_temperature', job: 'api' }), samples: ks.map((k) => ({ value: Math.sin(k) * 1e-3, timestamp: start + k * STEP })) },
        { labels: pbLabels({ __name__: 'rr_latency_seconds', job: 'api' }), histograms: ks.map((k) => histogram(k, start + k * STEP)) },
      ],
    });
    for (const url of [up.url, promUrl]) {
      const res = await fetch(`${url}/api/v1/write`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
        body,
      });
      expect(res.status, `${url}: ${await res.text()}`).toBe(204);
    }
  }, 120_000);

  afterAll(async () => {
    await up?.stop('SIGTERM');
    await prometheus?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const read = async (url: string, accepted: number[], from = start, to = end): Promise<Response> => fetch(`${url}/api/v1/read`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-read-version': '0.1.0' },
    body: snappyBlockCompress(ReadRequestType.encode({
      queries: [{ startTimestampMs: from, endTimestampMs: to, matchers: [{ type: 2, name: '__name__', value: 'rr_.*' }] }],
      acceptedResponseTypes: accepted,
    }).finish()),
  });

  it('streams the same floats and histograms as Prometheus, in XOR and histogram chunks', async () => {
    await waitFor(async () => ((await (await fetch(`${up.url}/api/v1/query?query=count(rr_latency_seconds)+%2B+count(rr_temperature)&time=${end / 1000}`)).json()) as { data: { result: { value: [number, string] }[] } }).data.result[0]?.value[1] === '2' ? true : undefined);
    const [mine, theirs] = await Promise.all([read(up.url, [1, 0]), read(promUrl, [1, 0])]);
    expect(mine.status).toBe(200);
    expect(mine.headers.get('content-type')).toBe(theirs.headers.get('content-type'));
    const got = decodeStream(new Uint8Array(await mine.arrayBuffer()));
    const want = decodeStream(new Uint8Array(await theirs.arrayBuffer()));
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    expect(got.size).toBe(3);
    for (const [series, w] of want) {
      const g = got.get(series)!;
      expect(g.floats, series).toEqual(w.floats);
      expect(g.histograms, series).toEqual(w.histograms);
    }
    const latency = got.get(JSON.stringify({ __name__: 'rr_latency_seconds', job: 'api' }))!;
    expect(latency.histograms).toHaveLength(STEPS);
    // Tidemark's histograms have float counts (encoding 3); Prometheus 2.42 streams its integer chunks (encoding 2).
    expect(new Set(latency.types)).toEqual(new Set([3]));
    expect(new Set(want.get(JSON.stringify({ __name__: 'rr_latency_seconds', job: 'api' }))!.types)).toEqual(new Set([2]));
    expect(got.get(JSON.stringify({ __name__: 'rr_requests_total', job: 'api' }))!.floats).toHaveLength(STEPS);
  }, 120_000);

  it('keeps to the asked range and answers SAMPLES when a client asks for that first', async () => {
    const from = start + 10 * STEP;
    const to = start + 20 * STEP;
    const got = decodeStream(new Uint8Array(await (await read(up.url, [1], from, to)).arrayBuffer()));
    for (const d of got.values()) {
      for (const [t] of [...d.floats, ...d.histograms]) expect(t >= from && t <= to).toBe(true);
      expect(d.floats.length + d.histograms.length).toBe(11);
    }
    const samples = await read(up.url, [0, 1], from, to);
    expect(samples.headers.get('content-type')).toBe('application/x-protobuf');
    expect(samples.headers.get('content-encoding')).toBe('snappy');
    const refused = await read(up.url, [7]);
    expect(refused.status).toBe(400);
  }, 60_000);
});
