import { pbLabels, snappyWriteRequest } from '../../connectors/remote-write/testdata/prompb.js';
import type { Benchmark, BenchResult } from './bench-result.js';
import { startTidemarkOnKafka, startTidemarkUp, type SystemUnderTest } from './system-under-test.js';

const PROBES = 60;
/** Background ingest while probing: a 500-series remote_write request every 50 ms at most (10k samples/s when answered at once). */
const BACKGROUND_SERIES = 500;
const BACKGROUND_EVERY_MS = 50;

type Mode = 'default' | 'write token' | 'strong';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
}

function p90(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.9))];
}

async function remoteWrite(url: string, body: Buffer): Promise<Response> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' }, body });
  await res.arrayBuffer();
  if (res.status !== 204) throw new Error(`remote_write answered ${res.status}`);
  return res;
}

/**
 * The cost of read-your-writes: under steady ingest, a sample is written and read back at once,
 * as a default read, a read with the write's token and a strong read (X-Read-Consistency:
 * strong). Latency is from sending the read to its answer; "seen" counts reads whose answer held
 * the sample just written.
 */
async function probe(sut: SystemUnderTest): Promise<BenchResult[]> {
  let running = true;
  let backgroundWrites = 0;
  const began = performance.now();
  const background = (async () => {
    for (let k = 0; running; k++) {
      const t = Date.now();
      const timeseries = Array.from({ length: BACKGROUND_SERIES }, (_, n) => ({
        labels: pbLabels({ __name__: 'rc_background', series: String(n) }),
        samples: [{ value: k, timestamp: t }],
      }));
      await remoteWrite(sut.writeUrl, snappyWriteRequest({ timeseries }));
      backgroundWrites++;
      await sleep(Math.max(0, BACKGROUND_EVERY_MS - (Date.now() - t)));
    }
  })();
  const latency: Record<Mode, number[]> = { default: [], 'write token': [], strong: [] };
  const seen: Record<Mode, number> = { default: 0, 'write token': 0, strong: 0 };
  try {
    for (let i = 0; i < PROBES + 5; i++) {
      for (const mode of ['default', 'write token', 'strong'] as const) {
        const value = i * 3 + ['default', 'write token', 'strong'].indexOf(mode);
        const t = Date.now();
        const res = await remoteWrite(sut.writeUrl, snappyWriteRequest({ timeseries: [{ labels: pbLabels({ __name__: 'rc_probe' }), samples: [{ value, timestamp: t }] }] }));
        const headers: Record<string, string> = {};
        if (mode === 'write token') headers['X-Tidemark-Write-Token'] = res.headers.get('x-tidemark-write-token') ?? '';
        if (mode === 'strong') headers['X-Read-Consistency'] = 'strong';
        const t0 = performance.now();
        const answer = await fetch(`${sut.query.url}/api/v1/query?query=rc_probe&time=${(t + 1) / 1000}`, { headers });
        const body = (await answer.json()) as { status: string; data?: { result: { value: [number, string] }[] } };
        const ms = performance.now() - t0;
        if (body.status !== 'success') throw new Error(`${mode} read failed: ${JSON.stringify(body)}`);
        if (i < 5) continue; // warm-up
        latency[mode].push(ms);
        if (body.data?.result[0]?.value[1] === String(value)) seen[mode]++;
      }
    }
  } finally {
    running = false;
    await background;
  }
  const ingestRate = (backgroundWrites * BACKGROUND_SERIES) / ((performance.now() - began) / 1000);
  const base = median(latency.default);
  return (['default', 'write token', 'strong'] as const).map((mode) => ({
    name: `instant read right after a remote_write, ${mode} consistency, under background remote_write`,
    subject: sut.subject,
    value: median(latency[mode]),
    unit: 'ms',
    note: `median of ${PROBES} (p90 ${p90(latency[mode]).toFixed(1)} ms${mode === 'default' ? '' : `; ${signed(median(latency[mode]) - base)} ms over default`}); write seen by ${seen[mode]}/${PROBES} reads; background ingest ${(ingestRate / 1000).toFixed(1)}k samples/s`,
  }));
}

export const readConsistencyBenchmark: Benchmark = {
  area: 'read-consistency',
  async run() {
    const rows: BenchResult[] = [];
    for (const start of [() => startTidemarkUp(), () => startTidemarkOnKafka(4, 100_000)]) {
      const sut = await start();
      try {
        rows.push(...(await probe(sut)));
      } finally {
        await sut.stop();
      }
    }
    return rows;
  },
};
