/**
 * `npm run bench`: runs every benchmark (or those whose area is named in argv), prints one table
 * and, with --write, stores it in test/bench/RESULTS.md. Benchmarks start the services and peer
 * programs they compare against themselves.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { renderTable, type Benchmark, type BenchResult } from './bench-result.js';
import { avroCodecBenchmark } from './avro-codec.js';
import { busThroughputBenchmark } from './bus-throughput.js';
import { embeddedBusBenchmark } from './embedded-bus.js';
import { expositionBenchmark } from './exposition.js';
import { promqlBenchmark } from './promql.js';
import { remoteWriteBenchmark } from './remote-write.js';
import { scrapeBenchmark } from './scrape.js';
import { tsdbBenchmark } from './tsdb.js';
import { storeBenchmark } from './store.js';
import { queryBenchmark } from './query.js';
import { notifyBenchmark } from './notify.js';
import { alertLatencyBenchmark } from './alert-latency.js';

/** In issue order: foundation, ingest, storage, query, alerting. */
const BENCHMARKS: readonly Benchmark[] = [
  avroCodecBenchmark,
  busThroughputBenchmark,
  embeddedBusBenchmark,
  expositionBenchmark,
  scrapeBenchmark,
  remoteWriteBenchmark,
  tsdbBenchmark,
  storeBenchmark,
  promqlBenchmark,
  queryBenchmark,
  notifyBenchmark,
  alertLatencyBenchmark,
];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const write = args.includes('--write');
  const only = args.filter((a) => !a.startsWith('--'));
  const rows: BenchResult[] = [];
  for (const b of BENCHMARKS) {
    if (only.length > 0 && !only.includes(b.area)) continue;
    process.stderr.write(`running ${b.area} ...\n`);
    try {
      rows.push(...(await b.run()));
    } catch (err) {
      rows.push({ name: `${b.area}: failed`, subject: '-', value: Number.NaN, unit: '-', note: (err as Error).message });
    }
  }
  const table = renderTable(rows);
  const header = `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}.`;
  process.stdout.write(`${header}\n\n${table}\n`);
  if (write) writeFileSync(new URL('./RESULTS.md', import.meta.url), `# Benchmark results\n\n${header}\n\n${table}\n`);
}

await main();
