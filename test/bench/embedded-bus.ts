import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedBus } from '../../pipeline/bus/embedded/index.js';
import type { Benchmark, BenchResult } from './bench-result.js';

const VALUE_BYTES = 100 * 1024;
const PARTITIONS = 4;

interface Case {
  readonly records: number;
  /** produce() calls in flight at once; each carries `perCall` records. */
  readonly inFlight: number;
  readonly perCall: number;
}

/**
 * produce -> consume through the embedded bus on a temp dir: every produce waits for its fsync
 * (group-committed), a consumer group reads all partitions concurrently. Values are random-ish
 * 100 KB buffers, so about one sample batch of ~1000 samples per record.
 */
async function runCase(c: Case): Promise<{ seconds: number; bytes: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'tidemark-bench-bus-'));
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const bus = await EmbeddedBus.open({ dataDir: dir, logger: quiet });
  try {
    await bus.ensureTopic('bench', PARTITIONS);
    const values = Array.from({ length: 16 }, (_, i) => Buffer.alloc(VALUE_BYTES, i * 7 + 1));
    let received = 0;
    let bytes = 0;
    let done!: () => void;
    const all = new Promise<void>((r) => (done = r));
    const consumer = await bus.consume({ group: 'bench', topic: 'bench' }, async (b) => {
      for (const r of b.records) bytes += r.value.length;
      received += b.records.length;
      await b.commit();
      if (received >= c.records) done();
    });
    await consumer.ready;
    const start = performance.now();
    let next = 0;
    const producer = async () => {
      while (next < c.records) {
        const batch = [];
        for (let i = 0; i < c.perCall && next < c.records; i++, next++) {
          batch.push({ partition: next % PARTITIONS, value: values[next % values.length] });
        }
        await bus.produce('bench', batch);
      }
    };
    await Promise.all(Array.from({ length: c.inFlight }, producer));
    await all;
    const seconds = (performance.now() - start) / 1000;
    await consumer.stop();
    return { seconds, bytes };
  } finally {
    await bus.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export const embeddedBusBenchmark: Benchmark = {
  area: 'embedded-bus',
  async run(): Promise<BenchResult[]> {
    const rows: BenchResult[] = [];
    const cases: [string, Case][] = [
      ['16 produce calls in flight x 1 record', { records: 3000, inFlight: 16, perCall: 1 }],
      ['1 produce call in flight x 1 record', { records: 600, inFlight: 1, perCall: 1 }],
      ['4 produce calls in flight x 8 records', { records: 3000, inFlight: 4, perCall: 8 }],
    ];
    for (const [label, c] of cases) {
      const { seconds, bytes } = await runCase(c);
      const name = `embedded bus produce->consume, 100 KB values, ${PARTITIONS} partitions, fsync, ${label}`;
      const note = `${c.records} records in ${seconds.toFixed(2)} s`;
      rows.push({ name, subject: 'tidemark', value: c.records / seconds, unit: 'records/s', note });
      rows.push({ name, subject: 'tidemark', value: bytes / 1e6 / seconds, unit: 'MB/s', note });
    }
    return rows;
  },
};
