import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../harness/index.js';
import { spawnService, type ServiceProcess } from '../../harness/service-process.js';

const run = promisify(execFile);

export interface PrometheusPeer {
  readonly url: string;
  readonly process: ServiceProcess;
  stop(): Promise<void>;
}

/**
 * Turns an OpenMetrics file (samples with timestamps, `# EOF` at the end) into TSDB blocks in
 * `dataDir` with `promtool tsdb create-blocks-from openmetrics`.
 */
export async function promtoolCreateBlocks(openMetricsFile: string, dataDir: string, maxBlockDuration?: string): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  const flags = maxBlockDuration === undefined ? [] : [`--max-block-duration=${maxBlockDuration}`];
  await run('/usr/bin/promtool', ['tsdb', 'create-blocks-from', 'openmetrics', ...flags, openMetricsFile, dataDir], { maxBuffer: 64 << 20 });
}

/**
 * Starts the Debian `prometheus` on 127.0.0.1 and a free port over an existing `dataDir` (blocks
 * made by promtool; peers/prometheus.ts starts one on an empty directory instead) with a minimal configuration and a 100-year retention, so old data stays queryable.
 * Resolves once it logs that it is ready; the process dies with the test runner (stdin guard).
 */
export async function startPrometheus(dataDir: string, opts: { scrapeSelfEvery?: string; adminApi?: boolean; maxSamples?: number } = {}): Promise<PrometheusPeer> {
  const port = await freePort();
  const config = join(dataDir, '..', 'prometheus-minimal.yml');
  // scrapeSelfEvery: Prometheus scrapes its own /metrics, so it holds data of its own making.
  const scrape = opts.scrapeSelfEvery === undefined ? '' : `scrape_configs:\n  - job_name: prometheus\n    scrape_interval: ${opts.scrapeSelfEvery}\n    static_configs:\n      - targets: ['127.0.0.1:${port}']\n`;
  writeFileSync(config, `global:\n  scrape_interval: 15s\n${scrape}`);
  const { process } = await spawnService({
    command: '/usr/bin/prometheus',
    args: [
      '--storage.tsdb.path', dataDir,
      '--config.file', config,
      '--web.listen-address', `127.0.0.1:${port}`,
      '--storage.tsdb.retention.time', '100y',
      ...(opts.adminApi === true ? ['--web.enable-admin-api'] : []),
      ...(opts.maxSamples === undefined ? [] : ['--query.max-samples', String(opts.maxSamples)]),
    ],
    ready: /Server is ready to receive web requests/,
    guard: true,
    readyTimeoutMs: 60_000,
  });
  return { url: `http://127.0.0.1:${port}`, process, stop: () => process.stop() };
}
