import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedBus, embeddedBusConfigSchema, type EmbeddedBusConfig } from '../../pipeline/bus/embedded/index.js';
import { COMPACTION_IDLE_MIN_BYTES } from '../../pipeline/bus/embedded/embedded-bus.js';
import type { Benchmark, BenchResult } from './bench-result.js';
import { samplesTopicRecords } from './record-compression.js';

/**
 * Component benchmark: the embedded log's compaction of sealed segments (`bus.embedded.compaction`)
 * on the system benchmark's samples-topic records, written by a real EmbeddedBus (lz4 records,
 * segments sealed at the default compaction_segment_bytes) and then compacted with the default
 * settings but the CPU share (1, so the pass is not paced). Bytes per sample of the log before and
 * after, and CPU per sample to compact (process CPU, the thread pool's included) and to read the
 * whole log back from the files; then the whole log once the active segments are sealed and
 * compacted as a partition's are after a minute without records. Env: TIDEMARK_BENCH_COMPACTION_SERIES (20000), _STEPS (240: 1 h).
 */
const SERIES = Number(process.env.TIDEMARK_BENCH_COMPACTION_SERIES ?? 20_000);
const STEPS = Number(process.env.TIDEMARK_BENCH_COMPACTION_STEPS ?? 240);
const TOPIC = 'samples';
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

function cpuNs(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) * 1000;
}

/** Bytes of the topic's segment files: all, and the sealed ones (all but each partition's last). */
async function logBytes(dir: string, partitions: number): Promise<{ all: number; sealed: number }> {
  let all = 0;
  let sealed = 0;
  for (let p = 0; p < partitions; p++) {
    const pdir = join(dir, 'topics', TOPIC, String(p));
    const files = (await readdir(pdir)).filter((n) => n.endsWith('.log')).sort();
    for (const [i, f] of files.entries()) {
      const size = (await stat(join(pdir, f))).size;
      all += size;
      if (i < files.length - 1) sealed += size;
    }
  }
  return { all, sealed };
}

/** CPU ns to read every record of the topic from the files (a fresh bus: nothing kept in memory). */
async function readBackNs(dir: string, config: Partial<EmbeddedBusConfig>): Promise<number> {
  const bus = await EmbeddedBus.open({ dataDir: dir, logger: quiet, config: { ...config, compaction: 'none' } });
  try {
    const start = process.cpuUsage();
    for (const log of bus.partitionLogs(TOPIC)) {
      for (let at = log.low; at < log.high; ) at = (await log.read(at, 8 << 20)).next;
    }
    return cpuNs(start);
  } finally {
    await bus.close();
  }
}

export const logCompactionBenchmark: Benchmark = {
  area: 'log-compaction',
  async run() {
    const { byPartition, samples } = await samplesTopicRecords(SERIES, STEPS);
    const defaults = embeddedBusConfigSchema.parse({});
    const dir = await mkdtemp(join(tmpdir(), 'tidemark-bench-compaction-'));
    try {
      // Written without compaction but sealed where compaction would seal, so nothing is compacted early.
      const writing = { compaction: 'none' as const, segment_bytes: defaults.compaction_segment_bytes };
      const bus = await EmbeddedBus.open({ dataDir: dir, logger: quiet, config: writing });
      await bus.ensureTopic(TOPIC, byPartition.length);
      const longest = Math.max(...byPartition.map((r) => r.length));
      for (let i = 0; i < longest; i++) {
        await bus.produce(TOPIC, byPartition.flatMap((records, partition) => (i < records.length ? [{ partition, value: records[i] }] : [])));
      }
      await bus.close();
      const before = await logBytes(dir, byPartition.length);
      const readBefore = await readBackNs(dir, writing);

      const compacting = await EmbeddedBus.open({ dataDir: dir, logger: quiet, config: { compaction_cpu_share: 1 } });
      const start = process.cpuUsage();
      const segments = await compacting.compactSealedSegments();
      const compactNs = cpuNs(start);
      await compacting.close();
      const after = await logBytes(dir, byPartition.length);
      const readAfter = await readBackNs(dir, writing);

      // What the compactor does once a partition has received nothing for a minute: its active
      // segment is sealed (holding at least COMPACTION_IDLE_MIN_BYTES) and compacted too.
      const idle = await EmbeddedBus.open({ dataDir: dir, logger: quiet, config: { compaction_cpu_share: 1 } });
      for (const log of idle.partitionLogs(TOPIC)) await log.sealIfIdle(0, COMPACTION_IDLE_MIN_BYTES);
      await idle.compactSealedSegments();
      await idle.close();
      const idleSealed = await logBytes(dir, byPartition.length);

      // Samples in sealed segments, by their share of the bytes before (records are alike in size).
      const sealedSamples = (samples * before.sealed) / before.all;
      const shape = `${SERIES.toLocaleString('en')} series x ${STEPS} scrapes, ${byPartition.length} partitions, ${segments} sealed segments of ${defaults.compaction_segment_bytes >> 20} MiB`;
      const rows: BenchResult[] = [
        {
          name: 'log-compaction (component): samples topic, sealed segments',
          subject: 'tidemark',
          value: after.sealed / sealedSamples,
          unit: 'B/sample',
          note: `${shape}; ${(before.sealed / sealedSamples).toFixed(2)} before (lz4 per record); compacting ${(compactNs / sealedSamples).toFixed(0)} CPU ns/sample`,
        },
        {
          name: 'log-compaction (component): samples topic, whole log (active segments as written)',
          subject: 'tidemark',
          value: after.all / samples,
          unit: 'B/sample',
          goal: 'data directory, log included, <= 2 B/sample (issue 10)',
          note: `${(before.all / samples).toFixed(2)} before; reading it all back ${(readAfter / samples).toFixed(0)} CPU ns/sample, ${(readBefore / samples).toFixed(0)} before`,
        },
        {
          name: 'log-compaction (component): samples topic, whole log after a minute without samples (active segments sealed and compacted)',
          subject: 'tidemark',
          value: idleSealed.all / samples,
          unit: 'B/sample',
          goal: 'data directory, log included, <= 2 B/sample (issue 10)',
          note: `the active segments (${((before.all - before.sealed) / 2 ** 20).toFixed(1)} MiB as written) sealed as an idle partition's are`,
        },
      ];
      return rows;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
