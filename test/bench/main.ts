/**
 * `npm run bench`: runs every benchmark (or those whose area is named in argv), prints one table
 * and, with --write, stores each area's table in its section of test/bench/RESULTS.md (other
 * areas' sections stay). Benchmarks start the services and peer programs they compare against.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { renderTable, type Benchmark, type BenchResult } from './bench-result.js';
import { avroCodecBenchmark } from './avro-codec.js';
import { recordCompressionBenchmark } from './record-compression.js';
import { logCompactionBenchmark } from './log-compaction.js';
import { busThroughputBenchmark } from './bus-throughput.js';
import { embeddedBusBenchmark } from './embedded-bus.js';
import { expositionBenchmark } from './exposition.js';
import { promqlBenchmark } from './promql.js';
import { remoteWriteBenchmark } from './remote-write.js';
import { importBenchmark } from './import.js';
import { scrapeBenchmark } from './scrape.js';
import { tsdbBenchmark } from './tsdb.js';
import { storeBenchmark } from './store.js';
import { aggregationBenchmark } from './aggregation.js';
import { aggregationSystemBenchmark } from './aggregation-system.js';
import { queryBenchmark } from './query.js';
import { readConsistencyBenchmark } from './read-consistency.js';
import { resultCacheBenchmark } from './result-cache.js';
import { dashboardBenchmark } from './dashboard.js';
import { notifyBenchmark } from './notify.js';
import { alertLatencyBenchmark } from './alert-latency.js';
import { replayBenchmark } from './replay.js';
import { rebuildBenchmark } from './rebuild.js';
import { downsamplingBenchmark } from './downsampling.js';
import { systemBenchmark, systemKafkaBenchmark } from './system.js';
import { regexBenchmark } from './regex.js';
import { webSecurityBenchmark } from './web-security.js';
import { tenantsBenchmark } from './tenants.js';
import { hostileLoadBenchmark } from './hostile-load.js';
import { webUiBenchmark } from './web-ui.js';
import { mergeResults, type AreaTable } from './results-file.js';

/** In issue order: foundation, ingest, storage, query, alerting. */
const BENCHMARKS: readonly Benchmark[] = [
  avroCodecBenchmark,
  recordCompressionBenchmark,
  logCompactionBenchmark,
  busThroughputBenchmark,
  embeddedBusBenchmark,
  expositionBenchmark,
  scrapeBenchmark,
  remoteWriteBenchmark,
  importBenchmark,
  webSecurityBenchmark,
  tenantsBenchmark,
  hostileLoadBenchmark,
  tsdbBenchmark,
  storeBenchmark,
  aggregationBenchmark,
  aggregationSystemBenchmark,
  promqlBenchmark,
  regexBenchmark,
  queryBenchmark,
  readConsistencyBenchmark,
  resultCacheBenchmark,
  dashboardBenchmark,
  downsamplingBenchmark,
  notifyBenchmark,
  alertLatencyBenchmark,
  replayBenchmark,
  rebuildBenchmark,
  systemBenchmark,
  systemKafkaBenchmark,
  webUiBenchmark,
];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const write = args.includes('--write');
  const only = args.filter((a) => !a.startsWith('--'));
  const rows: BenchResult[] = [];
  const areas: AreaTable[] = [];
  const header = `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}.`;
  for (const b of BENCHMARKS) {
    if (only.length > 0 && !only.includes(b.area)) continue;
    process.stderr.write(`running ${b.area} ...\n`);
    let area: BenchResult[];
    try {
      area = await b.run();
    } catch (err) {
      area = [{ name: `${b.area}: failed`, subject: '-', value: Number.NaN, unit: '-', note: (err as Error).message }];
    }
    rows.push(...area);
    areas.push({ area: b.area, header, table: renderTable(area) + (b.notes === undefined ? '' : `\n\n${b.notes}`) });
  }
  process.stdout.write(`${header}\n\n${renderTable(rows)}\n`);
  if (write) {
    const file = new URL('./RESULTS.md', import.meta.url);
    const existing = existsSync(file) ? readFileSync(file, 'utf8') : '';
    writeFileSync(file, mergeResults(existing, areas, BENCHMARKS.map((b) => b.area)));
  }
}

await main();
