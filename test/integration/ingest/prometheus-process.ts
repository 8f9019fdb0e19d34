import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnService, type ServiceProcess } from '../../harness/service-process.js';
import { freePort } from '../../harness/index.js';

export interface PrometheusProcess {
  readonly url: string;
  readonly process: ServiceProcess;
  stop(): Promise<void>;
}

/** A real Prometheus (Debian /usr/bin/prometheus) on a random port with a temp TSDB and the given config. */
export async function startPrometheus(configYaml: (selfAddress: string) => string): Promise<PrometheusProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'tidemark-prom-'));
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  await writeFile(join(dir, 'prometheus.yml'), configYaml(address));
  const started = await spawnService({
    command: '/usr/bin/prometheus',
    args: [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=${address}`,
      '--log.level=info',
    ],
    ready: /Server is ready to receive web requests/,
    guard: true,
    readyTimeoutMs: 60_000,
  });
  let stopped = false;
  return {
    url: `http://${address}`,
    process: started.process,
    async stop() {
      if (stopped) return;
      stopped = true;
      await started.process.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
