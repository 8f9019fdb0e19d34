import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKafkaMock } from '../harness/index.js';
import { spawnRole } from './role-process.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tidemark-rules-failure-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tidemark rules on Kafka', () => {
  it('exits with status 1 when its consumers cannot rejoin their group, so a supervisor restarts it', async () => {
    const mock = await startKafkaMock({ initialTopics: { 'tidemark.samples': 2, 'tidemark.aggregates': 2, 'tidemark.alerts': 1, 'tidemark.deadletter': 1 } });
    const config = join(dir, 'tidemark.yml');
    await writeFile(
      config,
      [
        'bus:',
        '  type: kafka',
        '  partitions: 2',
        '  kafka:',
        '    consumer: { session_timeout_ms: 4000, heartbeat_interval_ms: 500, rebalance_timeout_ms: 10000, rejoin_attempts: 1, rejoin_backoff_ms: 100 }',
        '',
      ].join('\n'),
    );
    const rules = spawnRole(['rules', '--config', config, '--kafka', mock.bootstrap, '--data', join(dir, 'data'), '--listen', '127.0.0.1:0']);
    try {
      await rules.waitForLog(/"msg":"rules started"/);
      await mock.stop();
      expect(await rules.exited).toBe(1);
      expect(rules.output()).toMatch(/tidemark rules: failed: consumer (lost its group membership|could not join its group)/);
    } finally {
      await rules.stop('SIGKILL');
      await mock.stop();
    }
  }, 180_000);
});
