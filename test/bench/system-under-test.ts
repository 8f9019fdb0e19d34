import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKafkaMock, startRedis } from '../harness/services.js';
import { cpuMs, dirBytes, freePort, PeerProcess, PrometheusPeer, rssBytes, tempDir, VictoriaMetricsPeer } from './peers/index.js';
import type { QueryTarget } from './system-queries.js';
import { describeDataParts, tidemarkDataParts } from './tidemark-data-parts.js';

/**
 * One system the system benchmark loads over remote_write and queries over the Prometheus API,
 * whole processes seen from outside: CPU and memory from /proc, bytes from its data directory.
 */
export interface SystemUnderTest {
  readonly subject: string;
  readonly writeUrl: string;
  readonly query: QueryTarget;
  /** CPU milliseconds of all the system's own processes (children included). */
  cpuMs(): number;
  /** Resident bytes of all the system's own processes. */
  rssBytes(): number;
  /** Bytes of everything it keeps on disk. */
  dataBytes(): number;
  /** Where those bytes are (Tidemark's own data directory), as a note. */
  describeData?(samples: number): string;
  /** Other processes it needs, measured apart (the Kafka-protocol broker). */
  readonly helpers: readonly { readonly name: string; cpuMs(): number }[];
  /**
   * Waits until what the system does by default after ingest (background compaction, merges)
   * has run; `ingestedAt` is when the last sample became queryable. Returns what was waited for.
   */
  settle(ingestedAt: number): Promise<string>;
  /**
   * Stops every process gracefully and starts it again on the same data, for the cold queries
   * (first run after a restart, page cache warm); returns the milliseconds until all are ready.
   */
  restart(): Promise<number>;
  stop(): Promise<void>;
  /** The tidemark.yml its roles read (Tidemark on Kafka: the bus and its brokers), for commands that go to the bus. */
  readonly configFile?: string;
  /** The most resident bytes a query set may add to what ingest left, as its README states it (none for peers). */
  readonly queryMemoryBound?: number;
}

/**
 * Tidemark's stated bound on what a query set adds to resident memory (README, "Where the
 * resident memory goes"): the select slab pool at its default size (query.select_slab_pool_bytes)
 * and 64 MB for the evaluation threads' heaps and glibc's.
 */
const QUERY_MEMORY_BOUND = 256 * 1024 * 1024 + 64e6;

/** The built CLI (`npm run build`); TIDEMARK_BENCH_SYSTEM_CLI names another build (e.g. of a clean checkout). */
export const TIDEMARK_CLI = process.env.TIDEMARK_BENCH_SYSTEM_CLI ?? join(import.meta.dirname, '..', '..', 'dist', 'ops', 'cli', 'main.js');
/** store.compact_interval_ms's default: the store compacts on this timer from its start. */
const TIDEMARK_COMPACT_INTERVAL_MS = 300_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `bytes` until it stays the same for `quietMs` (or `maxMs` passed); returns the seconds waited. */
async function untilSteady(bytes: () => number, quietMs = 10_000, maxMs = 600_000): Promise<number> {
  const t0 = performance.now();
  let last = bytes();
  let since = performance.now();
  while (performance.now() - since < quietMs && performance.now() - t0 < maxMs) {
    await sleep(1_000);
    const now = bytes();
    if (now !== last) {
      last = now;
      since = performance.now();
    }
  }
  return (performance.now() - t0) / 1000;
}

/** Waits `minMs` after `ingestedAt`, then until the data directory stops changing. */
async function settleAfter(ingestedAt: number, minMs: number, bytes: () => number): Promise<number> {
  await sleep(Math.max(0, ingestedAt + minMs - performance.now()));
  await untilSteady(bytes);
  return (performance.now() - ingestedAt) / 1000;
}

/**
 * Waits for the first tick of the store's compaction timer after `ingestedAt` (the timer started
 * shortly before `readyAt`), then until the data directory stops changing; returns the seconds.
 */
function afterCompactionTick(readyAt: number, ingestedAt: number, bytes: () => number): Promise<number> {
  const ticks = Math.max(1, Math.ceil((ingestedAt - readyAt) / TIDEMARK_COMPACT_INTERVAL_MS));
  return settleAfter(ingestedAt, readyAt + ticks * TIDEMARK_COMPACT_INTERVAL_MS + 5_000 - ingestedAt, bytes);
}

/**
 * The environment Tidemark's launchers give it (`ops/up.sh`, the container image, the systemd
 * units): glibc maps allocations of 512 KiB and more on their own, so freed ones leave the process.
 */
const LAUNCH_ENV: NodeJS.ProcessEnv = { ...process.env, MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? '524288' };

/** A Tidemark role process of the built CLI, started as its launchers start it; `nodeFlags` go to node (e.g. --cpu-prof). */
async function startRole(role: string, args: readonly string[], dir: string, nodeFlags: readonly string[] = []): Promise<{ proc: PeerProcess; url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = new PeerProcess(`tidemark ${role}`, process.execPath, [...nodeFlags, TIDEMARK_CLI, role, '--listen', `127.0.0.1:${port}`, ...args], dir, LAUNCH_ENV);
  try {
    await proc.waitReady(`${url}/-/ready`, 120_000);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { proc, url };
}

/**
 * The benches' history starts in November 2023, and the peers keep it (retention 100y): the push
 * endpoints they use take it too, where by default they refuse what is older than the stores'
 * retention behind the receiving clock (limits.max_age_ms).
 */
const HISTORY_PUSH_LIMITS = ['remote_write', 'import'].map((c) => `${c}: { limits: { max_age_ms: 0 } }`).join(', ');
const HISTORY_INGEST = `ingest: { ${HISTORY_PUSH_LIMITS} }\n`;

/**
 * `tidemark up` on its defaults (embedded bus, every partition, query API), its own process. Like
 * the Prometheus peer it gets a configuration file without scrape_configs: with none at all it
 * would scrape itself at wall-clock time, and the bench's hours-old samples would then fall
 * behind its shards' head window.
 */
export async function startTidemarkUp(nodeFlags: readonly string[] = [], extraConfig = ''): Promise<SystemUnderTest> {
  const dir = tempDir('bench-system-tidemark-');
  const data = join(dir, 'data');
  const config = join(dir, 'tidemark.yml');
  writeFileSync(config, `global:\n  scrape_interval: 1m\n${HISTORY_INGEST}${extraConfig}`);
  const { proc, url } = await startRole('up', ['--config', config, '--data', data], dir, nodeFlags);
  const readyAt = performance.now();
  return {
    subject: extraConfig === '' ? 'tidemark up' : `tidemark up (${extraConfig.trim().replace(/\s+/g, ' ')})`,
    writeUrl: `${url}/api/v1/write`,
    queryMemoryBound: QUERY_MEMORY_BOUND,
    // The engine's own speed, as VictoriaMetrics' with its cache off (bench result-cache measures the cache).
    query: {
      url,
      get pids() {
        return [proc.pid];
      },
      params: { nocache: '1' },
    },
    cpuMs: () => cpuMs(proc.pid),
    rssBytes: () => rssBytes(proc.pid),
    dataBytes: () => dirBytes(data),
    describeData: (samples) => describeDataParts(tidemarkDataParts(data), samples),
    helpers: [],
    async settle(ingestedAt) {
      const waited = await afterCompactionTick(readyAt, ingestedAt, () => dirBytes(data));
      return `after the store's compaction timer (store.compact_interval_ms 5 min) fired past ingest and the directory stopped changing: ${waited.toFixed(0)} s`;
    },
    restart: () => proc.restart(`${url}/-/ready`),
    stop: () => proc.stop(),
  };
}

/** What the system bench needs of a peer server (VictoriaMetricsPeer, PrometheusPeer). */
interface PeerServer {
  readonly url: string;
  readonly pid: number;
  rssBytes(): number;
  dataBytes(): number;
  restart(): Promise<number>;
  stop(): Promise<void>;
}

/** A peer as a system under test; it compacts in the background, so settling waits 65 s and for a steady directory. */
function peerSystem(subject: string, peer: PeerServer, params: Readonly<Record<string, string>> | undefined, compaction: string): SystemUnderTest {
  return {
    subject,
    writeUrl: `${peer.url}/api/v1/write`,
    query: {
      url: peer.url,
      get pids() {
        return [peer.pid];
      },
      params,
    },
    cpuMs: () => cpuMs(peer.pid),
    rssBytes: () => peer.rssBytes(),
    dataBytes: () => peer.dataBytes(),
    helpers: [],
    async settle(ingestedAt) {
      const waited = await settleAfter(ingestedAt, 65_000, () => peer.dataBytes());
      return `${compaction}, 65 s and until the directory stopped changing: ${waited.toFixed(0)} s`;
    },
    restart: () => peer.restart(),
    stop: () => peer.stop(),
  };
}

/** VictoriaMetrics single-node with its rollup cache off (`-search.disableCache`). */
export async function startVictoriaMetrics(): Promise<SystemUnderTest> {
  const vm = await VictoriaMetricsPeer.start(['-search.disableCache']);
  return peerSystem('victoria-metrics', vm, { nocache: '1' }, 'its own background merges (no force_merge)');
}

/** VictoriaMetrics single-node on its defaults, rollup cache on (it leaves the newest `-search.cacheTimestampOffset`, 5 min, uncached). */
export async function startVictoriaMetricsCached(): Promise<SystemUnderTest> {
  return peerSystem('victoria-metrics (cache on)', await VictoriaMetricsPeer.start(), undefined, 'its own background merges (no force_merge)');
}

/** Prometheus with `--web.enable-remote-write-receiver`. */
export async function startPrometheus(): Promise<SystemUnderTest> {
  return peerSystem('prometheus', await PrometheusPeer.start(), undefined, 'its head/block compaction (checked every minute)');
}

/**
 * `tidemark ingest` + `tidemark store` + `tidemark query`, separate processes on the
 * Kafka-protocol test cluster (librdkafka's mock, 3 brokers) with Redis as the shard registry.
 * The mock keeps about 5 MiB per partition: the samples topic gets `partitions` partitions and
 * ingest sheds load (429) while the store lags more than `maxStoreLag` records, so no partition
 * runs ahead of its consumer by more than a few hundred kB.
 */
export async function startTidemarkOnKafka(partitions: number, maxStoreLag: number): Promise<SystemUnderTest> {
  const dir = tempDir('bench-system-kafka-');
  const stops: (() => Promise<void>)[] = [async () => rmSync(dir, { recursive: true, force: true })];
  try {
    const mock = await startKafkaMock({ initialTopics: { 'tidemark.samples': partitions, 'tidemark.aggregates': 4, 'tidemark.alerts': 1, 'tidemark.deadletter': 1 } });
    stops.push(() => mock.stop());
    const redis = await startRedis();
    stops.push(() => redis.stop());
    const config = join(dir, 'tidemark.yml');
    writeFileSync(
      config,
      [
        'bus:',
        '  type: kafka',
        `  partitions: ${partitions}`,
        `  kafka: { brokers: [${mock.brokers.map((b) => `'${b}'`).join(', ')}] }`,
        `ingest: { max_store_lag: ${maxStoreLag}, ${HISTORY_PUSH_LIMITS} }`,
        `redis: { url: '${redis.url}' }`,
        '',
      ].join('\n'),
    );
    const roleDir = (name: string): string => {
      const d = join(dir, name);
      mkdirSync(d);
      return d;
    };
    const store = await startRole('store', ['--config', config, '--data', join(roleDir('store'), 'data')], join(dir, 'store'));
    stops.push(() => store.proc.stop());
    const ingest = await startRole('ingest', ['--config', config, '--data', join(roleDir('ingest'), 'data')], join(dir, 'ingest'));
    stops.push(() => ingest.proc.stop());
    const query = await startRole('query', ['--config', config, '--data', join(roleDir('query'), 'data')], join(dir, 'query'));
    stops.push(() => query.proc.stop());
    const procs = [ingest.proc, store.proc, query.proc];
    const storeData = join(dir, 'store', 'data');
    const readyAt = performance.now();
    return {
      subject: 'tidemark ingest+store+query on Kafka',
      writeUrl: `${ingest.url}/api/v1/write`,
      configFile: config,
      query: {
        url: query.url,
        get pids() {
          return [query.proc.pid, store.proc.pid];
        },
        params: { nocache: '1' },
      },
      cpuMs: () => procs.reduce((a, p) => a + cpuMs(p.pid), 0),
      rssBytes: () => procs.reduce((a, p) => a + rssBytes(p.pid), 0),
      dataBytes: () => dirBytes(storeData),
      helpers: [{ name: 'Kafka-protocol broker (librdkafka mock, 3 brokers in one process)', cpuMs: () => cpuMs(mock.pid) }],
      async settle(ingestedAt) {
        const waited = await afterCompactionTick(readyAt, ingestedAt, () => dirBytes(storeData));
        return `store's compaction timer (5 min) fired past ingest and the directory stopped changing: ${waited.toFixed(0)} s; the bus log lives in the broker, not counted`;
      },
      async restart() {
        // The store first: the query role finds it (Redis shard registry) once it is back.
        let ms = 0;
        for (const r of [store, ingest, query]) ms += await r.proc.restart(`${r.url}/-/ready`);
        return ms;
      },
      async stop() {
        for (const s of stops.reverse()) await s().catch(() => undefined);
        stops.length = 0;
      },
    };
  } catch (err) {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    throw err;
  }
}
