import { closeSync, openSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { snappyBlockCompress } from '../../schemas/snappy-block.js';
import { encodeWriteRequest, type RwSeries } from './peers/index.js';
import type { SystemDataset } from './system-dataset.js';

/**
 * The system benchmark's remote_write traffic, encoded once before anything is timed: series are
 * spread over `connections` queues as Prometheus spreads them over its shards; each queue reads
 * the scrapes in time order and sends requests of `samplesPerRequest` samples, one sample per
 * TimeSeries (as Prometheus builds them from its WAL). Each queue's snappy bodies go to a file of
 * [u32 length][body] frames, so 6 h of 20k series need not sit in memory.
 */
export interface EncodedTraffic {
  readonly files: readonly string[];
  readonly requests: number;
  readonly requestsPerFile: readonly number[];
  readonly samples: number;
  readonly samplesPerFile: readonly number[];
  /** Bytes sent (snappy bodies). */
  readonly bytes: number;
}

export function encodeTraffic(ds: SystemDataset, steps: number, dir: string, connections = 4, samplesPerRequest = 2_000): EncodedTraffic {
  const files = Array.from({ length: connections }, (_, c) => join(dir, `queue-${c}.frames`));
  const fds = files.map((f) => openSync(f, 'w'));
  const pending: RwSeries[][] = files.map(() => []);
  const header = Buffer.alloc(4);
  const requestsPerFile = files.map(() => 0);
  const samplesPerFile = files.map(() => 0);
  let bytes = 0;
  const flush = (c: number): void => {
    samplesPerFile[c] += pending[c].length;
    const body = snappyBlockCompress(encodeWriteRequest(pending[c]));
    header.writeUInt32LE(body.length, 0);
    writeSync(fds[c], header);
    writeSync(fds[c], body);
    pending[c] = [];
    requestsPerFile[c]++;
    bytes += body.length;
  };
  try {
    for (let step = 0; step < steps; step++) {
      // Fresh arrays per scrape: pending requests still point into the previous ones.
      const values = new Float64Array(ds.count);
      const timestamps = new Float64Array(ds.count).fill(ds.timeOf(step));
      ds.step(values);
      for (let i = 0; i < ds.count; i++) {
        const c = i % connections;
        pending[c].push({ labels: ds.series[i].labels, values, timestamps, from: i, to: i + 1 });
        if (pending[c].length === samplesPerRequest) flush(c);
      }
    }
    for (let c = 0; c < connections; c++) if (pending[c].length > 0) flush(c);
  } finally {
    for (const fd of fds) closeSync(fd);
  }
  return { files, requests: requestsPerFile.reduce((a, b) => a + b, 0), requestsPerFile, samples: ds.count * steps, samplesPerFile, bytes };
}

/** The first `limit` bodies of one queue's file, in order. */
export async function* readFrames(file: string, limit = Infinity): AsyncGenerator<Buffer> {
  const fh = await open(file, 'r');
  try {
    const header = Buffer.alloc(4);
    let pos = 0;
    for (let n = 0; n < limit; n++) {
      const { bytesRead } = await fh.read(header, 0, 4, pos);
      if (bytesRead < 4) return;
      const body = Buffer.allocUnsafe(header.readUInt32LE(0));
      await fh.read(body, 0, body.length, pos + 4);
      pos += 4 + body.length;
      yield body;
    }
  } finally {
    await fh.close();
  }
}

/** What sending a queue's requests cost the sender: retries after 429/503, as a Prometheus queue retries. */
export interface SendStats {
  requests: number;
  retries: number;
}

/**
 * Sends the first `share` of every queue's requests to `url` (remote_write 1.0), the queues
 * concurrently, each one request at a time. A 429 or 503 is retried after a backoff from 30 ms doubling to 1 s (Prometheus'
 * min_backoff, with a shorter cap so a benchmark does not idle); any other non-2xx fails the run.
 */
export async function sendTraffic(traffic: EncodedTraffic, url: string, share = 1): Promise<SendStats> {
  const stats: SendStats = { requests: 0, retries: 0 };
  await Promise.all(
    traffic.files.map(async (file, i) => {
      for await (const body of readFrames(file, Math.ceil(traffic.requestsPerFile[i] * share))) await sendRequest(url, body, stats);
    }),
  );
  return stats;
}

/** Sends one remote_write 1.0 body, retrying 429 and 503 as `sendTraffic` does; counts it in `stats`. */
export async function sendRequest(url: string, body: Buffer, stats: SendStats): Promise<void> {
  for (let backoff = 30; ; backoff = Math.min(1_000, backoff * 2)) {
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
    });
    const text = await res.text();
    if (res.ok) break;
    if (res.status !== 429 && res.status !== 503) throw new Error(`remote_write to ${url}: ${res.status} ${text.slice(0, 300)}`);
    stats.retries++;
    await new Promise((r) => setTimeout(r, backoff));
  }
  stats.requests++;
}
