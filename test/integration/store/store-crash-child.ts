// Child process of the store crash tests (run with `node --import tsx`): runs a StoreWorker that
// the test SIGKILLs at random moments. Prints "ready" once the worker joined and opened its shards.
// Embedded mode: the bus is in-process and locks its directory, so this process also produces a
// deterministic sequence of steps (from `fromStep` on) and prints "ack <step>" once the bus
// acknowledged each one.
import { join } from 'node:path';
import type { Bus } from '../../../pipeline/bus/bus.js';
import { EmbeddedBus } from '../../../pipeline/bus/embedded/index.js';
import { KafkaBus } from '../../../pipeline/bus/kafka/index.js';
import { StoreWorker, type StoreConfig } from '../../../pipeline/store/index.js';
import { mockKafkaBusSettings } from '../../harness/kafkajs-mock-workarounds.js';
import { newSink, produceSteps } from './store-test-data.js';

export interface CrashChildArgs {
  readonly mode: 'kafka' | 'embedded';
  readonly dataDir: string;
  readonly topic: string;
  readonly deadLetterTopic: string;
  readonly group: string;
  readonly partitions: number;
  readonly brokers?: string[];
  /** Embedded mode: what to produce. */
  readonly metric?: string;
  readonly series?: number;
  readonly fromStep?: number;
  /** Overrides of the worker's `store` configuration (benchmarks). */
  readonly config?: Partial<StoreConfig>;
}

const args = JSON.parse(process.argv[2]) as CrashChildArgs;
const quiet = { info: () => undefined, warn: () => undefined, error: (o: object, m: string) => void process.stderr.write(`${m} ${String((o as { err?: unknown }).err ?? '')}\n`) };

let bus: Bus;
if (args.mode === 'kafka') {
  bus = new KafkaBus(mockKafkaBusSettings(args.brokers ?? [], { partitionsConsumedConcurrently: args.partitions }));
} else {
  bus = await EmbeddedBus.open({ dataDir: join(args.dataDir, 'bus'), logger: quiet });
  await bus.ensureTopic(args.topic, args.partitions);
  await bus.ensureTopic(args.deadLetterTopic, 1);
}

const worker = new StoreWorker({
  bus,
  topic: args.topic,
  deadLetterTopic: args.deadLetterTopic,
  logger: quiet,
  // Short intervals and 10-minute blocks (40 steps): kills land in flushes, head cuts and compactions.
  config: { data_dir: join(args.dataDir, 'store'), group: args.group, flush_interval_ms: 100, block_range_ms: 600_000, compact_interval_ms: 700, ...args.config },
});

if (args.mode === 'embedded') {
  const sink = newSink(bus, args.topic, args.partitions);
  void (async () => {
    for (let n = args.fromStep ?? 0; ; n++) {
      await produceSteps(sink, args.metric ?? 'crash', args.series ?? 10, n, n + 1);
      process.stdout.write(`ack ${n}\n`);
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
}

await worker.start();
while (!worker.ready()) await new Promise((r) => setTimeout(r, 10));
process.stdout.write('ready\n');
