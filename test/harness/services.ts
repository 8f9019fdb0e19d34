import { execFile } from 'node:child_process';
import { mkdtemp, rename, rm, stat, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { spawnService } from './service-process.js';

const here = dirname(fileURLToPath(import.meta.url));
const KAFKA_MOCK_SOURCE = join(here, 'kafka-mock.c');
const KAFKA_MOCK_BINARY = join(here, 'bin', 'kafka-mock');

export interface RunningService {
  readonly pid: number;
  /** Stops the service and removes its temporary directory. Idempotent. */
  stop(): Promise<void>;
}

export interface KafkaMock extends RunningService {
  /** Bootstrap list, `127.0.0.1:P1,127.0.0.1:P2,...`. */
  readonly bootstrap: string;
  readonly brokers: readonly string[];
  /** Creates a topic with exactly `partitions` partitions (the mock has no CreateTopics API). */
  createTopic(name: string, partitions: number, replicationFactor?: number): Promise<void>;
}

export interface RedisService extends RunningService {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
}

export interface NatsService extends RunningService {
  readonly url: string;
  readonly port: number;
}

/** A TCP port that was free a moment ago (a service may still lose the race: retry then). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function mtimeMs(path: string): Promise<number> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return -1;
  }
}

/**
 * Compiles the kafka-mock launcher when the binary is missing or older than its source. Builds
 * into a temporary name and renames, so concurrent test runs never execute a half-written file.
 */
export async function buildKafkaMock(): Promise<string> {
  if ((await mtimeMs(KAFKA_MOCK_BINARY)) >= (await mtimeMs(KAFKA_MOCK_SOURCE))) {
    return KAFKA_MOCK_BINARY;
  }
  await mkdir(dirname(KAFKA_MOCK_BINARY), { recursive: true });
  const tmp = `${KAFKA_MOCK_BINARY}.${process.pid}.tmp`;
  try {
    await promisify(execFile)('gcc', ['-O2', '-o', tmp, KAFKA_MOCK_SOURCE, '-lrdkafka']);
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(
      `building kafka-mock failed (needs gcc and librdkafka-dev: run ops/install-deps.sh)\n${stderr}`,
      { cause: err },
    );
  }
  await rename(tmp, KAFKA_MOCK_BINARY);
  return KAFKA_MOCK_BINARY;
}

/**
 * A 3-broker (by default) Kafka-protocol cluster on librdkafka's mock, with `initialTopics` as
 * `{ name: partitions }`. See shared/TEST-SERVICES.md §3 for what the mock does not do.
 */
export async function startKafkaMock(
  opts: { brokers?: number; initialTopics?: Readonly<Record<string, number>> } = {},
): Promise<KafkaMock> {
  const bin = await buildKafkaMock();
  const specs = Object.entries(opts.initialTopics ?? {}).map(([t, n]) => `${t}:${n}`);
  // Command replies arrive in order, one line per command: answer the oldest waiter.
  const waiters: Array<(line: string) => void> = [];
  const started = await spawnService({
    command: bin,
    args: ['-n', String(opts.brokers ?? 3), ...specs],
    ready: /BOOTSTRAP=(\S+)/,
    guard: false, // exits by itself when its stdin closes
    onLine: (line) => {
      if (/^(CREATED|ERROR) /.test(line)) waiters.shift()?.(line);
    },
  });
  const { child } = started;
  const bootstrap = started.match[1];
  let queue: Promise<unknown> = Promise.resolve();

  const createTopic = (name: string, partitions: number, rf?: number): Promise<void> => {
    if (!/^[A-Za-z0-9._-]{1,249}$/.test(name)) {
      return Promise.reject(new Error(`invalid Kafka topic name ${JSON.stringify(name)}`));
    }
    if (!Number.isInteger(partitions) || partitions < 1) {
      return Promise.reject(new Error(`invalid partition count ${partitions} for ${name}`));
    }
    const run = (): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        if (child.exitCode !== null || !child.stdin?.writable) {
          reject(new Error('kafka-mock is not running'));
          return;
        }
        waiters.push((line) => {
          if (line.startsWith('CREATED ')) resolve();
          else reject(new Error(`kafka-mock: ${line}`));
        });
        child.stdin.write(`create ${name} ${partitions}${rf ? ` ${rf}` : ''}\n`);
      });
    const next = queue.then(run, run);
    queue = next.catch(() => undefined);
    return next;
  };

  return {
    pid: started.process.pid,
    bootstrap,
    brokers: bootstrap.split(','),
    createTopic,
    stop: () => started.process.stop(),
  };
}

/** redis-server on a free port with a temporary `--dir`; `appendonly` for durability tests. */
export async function startRedis(
  opts: { appendonly?: boolean; dir?: string; port?: number } = {},
): Promise<RedisService> {
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'tidemark-redis-')));
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort());
    try {
      const started = await spawnService({
        command: 'redis-server',
        args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir,
          '--appendonly', opts.appendonly ? 'yes' : 'no'],
        ready: /Ready to accept connections/,
        guard: true,
        // With appendonly a graceful stop flushes the AOF so a restart on `dir` sees the data.
        stopSignal: opts.appendonly ? 'TERM' : 'KILL',
      });
      return {
        pid: started.process.pid,
        url: `redis://127.0.0.1:${port}`,
        port,
        dir,
        stop: async () => {
          await started.process.stop();
          if (ownDir) await rm(dir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      // Another process took the port between freePort() and bind: try another one.
      const clash = err instanceof Error && /already in use/i.test(err.message);
      if (!clash || opts.port !== undefined || attempt >= 5) {
        if (ownDir) await rm(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
}

/** nats-server with JetStream on a port the server picks, storing in a temporary directory. */
export async function startNats(): Promise<NatsService> {
  const dir = await mkdtemp(join(tmpdir(), 'tidemark-nats-'));
  try {
    const started = await spawnService({
      command: 'nats-server',
      args: ['-a', '127.0.0.1', '-p', '-1', '-m', '0', '-js', '-sd', dir],
      ready: /Listening for client connections on 127\.0\.0\.1:(\d+)/,
      guard: true,
    });
    const port = Number(started.match[1]);
    return {
      pid: started.process.pid,
      url: `nats://127.0.0.1:${port}`,
      port,
      stop: async () => {
        await started.process.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
