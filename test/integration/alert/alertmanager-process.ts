import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort } from '../../harness/index.js';
import { spawnService } from '../../harness/service-process.js';

export const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';

/** The real Alertmanager (Debian package) on a random port with gossip disabled, for side-by-side tests. */
export async function startAlertmanager(configText: string): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tidemark-am-'));
  const file = join(dir, 'alertmanager.yml');
  await writeFile(file, configText);
  const port = await freePort();
  const { process } = await spawnService({
    command: ALERTMANAGER_BIN,
    args: [`--web.listen-address=127.0.0.1:${port}`, '--storage.path', join(dir, 'data'), '--config.file', file, '--cluster.listen-address=', `--web.external-url=http://127.0.0.1:${port}`],
    ready: /Listening on/,
    guard: true,
    readyTimeoutMs: 60_000,
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      await process.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
