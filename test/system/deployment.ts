import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebhookSink } from '../integration/alert/webhook-sink.js';
import { freePort, startKafkaMock, startRedis, type KafkaMock, type RedisService } from '../harness/index.js';
import { RoleProcess } from './role-process.js';

/** Partitions of the samples and aggregates topics: two per store. */
export const PARTITIONS = 4;

const TOPICS = {
  samples: 'tidemark.samples',
  aggregates: 'tidemark.aggregates',
  alerts: 'tidemark.alerts',
  deadletter: 'tidemark.deadletter',
} as const;

/** What every scenario needs from a deployment, whichever shape it has. */
export interface Deployment {
  readonly kind: 'distributed' | 'single';
  readonly dir: string;
  readonly ingestUrl: string;
  readonly queryUrl: string;
  readonly rulesUrl: string;
  /** The processes that hold the TSDB shards: two stores, or the one `tidemark up`. */
  readonly stores: readonly RoleProcess[];
  /** The notifier replicas: two `notify` processes, or the one `tidemark up`. */
  readonly notifiers: readonly RoleProcess[];
  /** Every role process, for the failure message of a scenario. */
  readonly roles: readonly RoleProcess[];
  /** Data directory of a store process (what `--data` names). */
  dataDirOf(store: RoleProcess): string;
  /** The store's TSDB directory under its data directory (`store.data_dir`). */
  tsdbDirOf(store: RoleProcess): string;
  readonly kafka?: KafkaMock;
  readonly redis?: RedisService;
  readonly sink: WebhookSink;
  /** `tidemark.yml` every role reads. */
  readonly configFile: string;
  stop(): Promise<void>;
}

const RULES_YML = `groups:
  - name: system
    interval: 1s
    rules:
      - alert: SysQueueBacklog
        expr: sys_queue_backlog > 100
        labels: { severity: page }
        annotations: { summary: 'backlog is {{ $value }}' }
`;

const alertmanagerYml = (sinkUrl: string): string => `route:
  receiver: hook
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs: [{ url: '${sinkUrl}', send_resolved: true }]
`;

/**
 * The parts of tidemark.yml both shapes share: 1 s scrape and evaluation (Pushgateway groups are
 * re-emitted every scrape interval), a short rules idle timeout so partitions without series do not
 * hold evaluation back, and remote_write HA dedup with a failover short enough to wait for, long
 * enough that a loaded 2-core machine's stalls do not fail over by themselves.
 */
function tidemarkYml(opts: { bus: string; redisUrl?: string; notifyTargets?: string[] }): string {
  const ha = opts.redisUrl !== undefined
    ? `{ enabled: true, cluster_label: cluster, replica_label: __replica__, store: redis, redis_url: '${opts.redisUrl}', failover_timeout: 10s, update_timeout: 2s }`
    : '{ enabled: true, cluster_label: cluster, replica_label: __replica__, failover_timeout: 10s, update_timeout: 2s }';
  const lines = [
    'global: { scrape_interval: 1s, evaluation_interval: 1s }',
    'rule_files: [rules.yml]',
    'alerting:',
    '  alertmanager_config_file: alertmanager.yml',
  ];
  if (opts.notifyTargets !== undefined) {
    lines.push(`  alertmanagers: [{ static_configs: [{ targets: [${opts.notifyTargets.map((t) => `'${t}'`).join(', ')}] }] }]`);
  }
  lines.push(
    opts.bus,
    'ingest:',
    '  remote_write:',
    `    ha: ${ha}`,
    'rules: { idle_timeout_ms: 2000 }',
  );
  if (opts.redisUrl !== undefined) lines.push(`redis: { url: '${opts.redisUrl}' }`);
  return lines.join('\n') + '\n';
}

async function prepareDir(label: string, sink: WebhookSink): Promise<{ dir: string; logDir: string }> {
  const dir = await mkdtemp(join(tmpdir(), `tidemark-system-${label}-`));
  const logDir = join(dir, 'logs');
  await mkdir(logDir);
  await writeFile(join(dir, 'rules.yml'), RULES_YML);
  await writeFile(join(dir, 'alertmanager.yml'), alertmanagerYml(sink.url));
  return { dir, logDir };
}

/**
 * The README's distributed deployment, one OS process per role: 1 ingest, 2 stores, 1 query,
 * 1 rules, 2 notify, on a Kafka-protocol cluster of its own (the rules and store consumer groups
 * and the Redis key prefixes are fixed names, so a deployment cannot share a cluster or a Redis
 * with other suites) and a Redis of its own. Each role runs in its own working directory, so the
 * README's commands run as printed (`./data` is the role's).
 */
export async function startDistributed(): Promise<Deployment> {
  const sink = await WebhookSink.start();
  const { dir, logDir } = await prepareDir('distributed', sink);
  const roles: RoleProcess[] = [];
  let kafka: KafkaMock | undefined;
  let redis: RedisService | undefined;
  const stop = async (): Promise<void> => {
    await Promise.all(roles.map((r) => r.kill()));
    await Promise.all(roles.map((r) => r.closeLog()));
    await kafka?.stop();
    await redis?.stop();
    await sink.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    [kafka, redis] = await Promise.all([
      startKafkaMock({
        initialTopics: {
          [TOPICS.samples]: PARTITIONS,
          [TOPICS.aggregates]: PARTITIONS,
          [TOPICS.alerts]: 1,
          [TOPICS.deadletter]: 1,
        },
      }),
      startRedis(),
    ]);
    const brokers = kafka.bootstrap;
    const port = async (): Promise<number> => freePort();
    const [pIngest, pStore1, pStore2, pQuery, pRules, pNotify1, pNotify2] = await Promise.all(
      Array.from({ length: 7 }, port),
    );
    const configFile = join(dir, 'tidemark.yml');
    // Consumer-group timing for the mock (shared/TEST-SERVICES.md §3): it waits
    // session_timeout - 1 s on every rebalance, 29 s with the Kafka clients' default.
    const bus = [
      'bus:',
      '  type: kafka',
      `  partitions: ${PARTITIONS}`,
      '  kafka:',
      `    brokers: [${brokers.split(',').map((b) => `'${b}'`).join(', ')}]`,
      '    consumer: { session_timeout_ms: 4000, heartbeat_interval_ms: 500, rebalance_timeout_ms: 10000 }',
    ].join('\n');
    await writeFile(configFile, tidemarkYml({
      bus,
      redisUrl: redis.url,
      notifyTargets: [`127.0.0.1:${pNotify1}`, `127.0.0.1:${pNotify2}`],
    }));

    const role = async (name: string, p: number, args: string[]): Promise<RoleProcess> => {
      const cwd = join(dir, name);
      await mkdir(cwd);
      const r = new RoleProcess({ name, url: `http://127.0.0.1:${p}`, cwd, args: [...args, '--listen', `127.0.0.1:${p}`] }, logDir);
      roles.push(r);
      return r;
    };
    const cfg = ['--config', configFile];
    // The README's commands, with this machine's addresses.
    const notify1 = await role('notify-1', pNotify1, ['notify', ...cfg, '--redis', redis.url]);
    const notify2 = await role('notify-2', pNotify2, ['notify', ...cfg, '--redis', redis.url]);
    const store1 = await role('store-1', pStore1, ['store', ...cfg, '--kafka', brokers, '--redis', redis.url, '--data', join(dir, 'store-1', 'data'), '--web.enable-admin-api']);
    const store2 = await role('store-2', pStore2, ['store', ...cfg, '--kafka', brokers, '--redis', redis.url, '--data', join(dir, 'store-2', 'data'), '--web.enable-admin-api']);
    const ingest = await role('ingest', pIngest, ['ingest', ...cfg, '--kafka', brokers, '--shard', '0/1']);
    const query = await role('query', pQuery, ['query', ...cfg, '--redis', redis.url]);
    const rules = await role('rules', pRules, ['rules', ...cfg, '--kafka', brokers]);

    // The first store founds the group; the second joins it (a rebalance) once the first holds
    // every partition, so the two joins do not race each other on the mock.
    await Promise.all([notify1.start(), notify2.start(), store1.start(), ingest.start(), query.start()]);
    await Promise.all([store2.start(180_000), rules.start()]);

    const stores = [store1, store2];
    return {
      kind: 'distributed',
      dir,
      ingestUrl: ingest.url,
      queryUrl: query.url,
      rulesUrl: rules.url,
      stores,
      notifiers: [notify1, notify2],
      roles,
      dataDirOf: (s) => join(dir, s.name, 'data'),
      tsdbDirOf: (s) => join(dir, s.name, 'data', 'store'),
      kafka,
      redis,
      sink,
      configFile,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The same pipeline as one `tidemark up` process on the embedded bus. */
export async function startSingle(): Promise<Deployment> {
  const sink = await WebhookSink.start();
  const { dir, logDir } = await prepareDir('single', sink);
  const p = await freePort();
  const configFile = join(dir, 'tidemark.yml');
  await writeFile(configFile, tidemarkYml({ bus: `bus:\n  type: embedded\n  partitions: ${PARTITIONS}` }));
  const dataDir = join(dir, 'data');
  const up = new RoleProcess(
    { name: 'up', url: `http://127.0.0.1:${p}`, cwd: dir, args: ['up', '--config', configFile, '--listen', `127.0.0.1:${p}`, '--data', dataDir, '--web.enable-admin-api'] },
    logDir,
  );
  const stop = async (): Promise<void> => {
    await up.kill();
    await up.closeLog();
    await sink.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await up.start();
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    kind: 'single',
    dir,
    ingestUrl: up.url,
    queryUrl: up.url,
    rulesUrl: up.url,
    stores: [up],
    notifiers: [up],
    roles: [up],
    dataDirOf: () => dataDir,
    tsdbDirOf: () => join(dataDir, 'store'),
    sink,
    configFile,
    stop,
  };
}
