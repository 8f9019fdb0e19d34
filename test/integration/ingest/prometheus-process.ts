import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnService, type ServiceProcess, type StartedService } from '../../harness/service-process.js';
import { freePort } from '../../harness/index.js';

export interface PrometheusProcess {
  readonly url: string;
  readonly process: ServiceProcess;
  stop(): Promise<void>;
}

/**
 * A real Prometheus (Debian /usr/bin/prometheus) on a random port with a temp TSDB and the given
 * config. A port taken by another process between choosing and binding it is chosen again.
 */
export async function startPrometheus(configYaml: (selfAddress: string) => string): Promise<PrometheusProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'tidemark-prom-'));
  for (let attempt = 1; ; attempt++) {
    const address = `127.0.0.1:${await freePort()}`;
    await writeFile(join(dir, 'prometheus.yml'), configYaml(address));
    try {
      return started(dir, address, await spawnService({
        command: '/usr/bin/prometheus',
        args: [
          `--config.file=${join(dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(dir, 'data')}`,
          `--web.listen-address=${address}`,
          '--log.level=info',
        ],
        ready: /Server is ready to receive web requests/,
        failOn: /address already in use/,
        guard: true,
        readyTimeoutMs: 60_000,
      }));
    } catch (err) {
      if (attempt >= 3 || !(err instanceof Error) || !err.message.includes('address already in use')) throw err;
    }
  }
}

function started(dir: string, address: string, service: StartedService): PrometheusProcess {
  let stopped = false;
  return {
    url: `http://${address}`,
    process: service.process,
    async stop() {
      if (stopped) return;
      stopped = true;
      await service.process.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
