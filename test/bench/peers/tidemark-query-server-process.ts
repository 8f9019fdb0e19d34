import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnService, type ServiceProcess } from '../../harness/service-process.js';

const script = join(dirname(fileURLToPath(import.meta.url)), 'tidemark-query-server.ts');

/** Starts tidemark-query-server.ts over `tsdbDir` in a child process; resolves once it listens. */
export async function startTidemarkQueryServer(tsdbDir: string): Promise<{ url: string; process: ServiceProcess }> {
  const { process: proc, match } = await spawnService({
    command: process.execPath,
    args: ['--import', 'tsx', script, tsdbDir],
    ready: /listening (http:\S+)/,
    guard: true,
    readyTimeoutMs: 120_000,
  });
  return { url: match[1], process: proc };
}
