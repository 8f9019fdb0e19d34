import { brotliCompressSync, brotliDecompressSync, constants, gunzipSync, gzipSync } from 'node:zlib';
import { compressSync as lz4Compress, uncompressSync as lz4Uncompress } from 'lz4-napi';
import { snappyBlockCompress, snappyBlockUncompress } from '../../schemas/snappy-block.js';
import type { Bus, ProduceRecord, ProducedRecord } from '../../pipeline/bus/bus.js';
import { busCompressionSchema, compressValue, decompressValue } from '../../pipeline/bus/record-compression.js';
import { BusSampleSink } from '../../pipeline/publish/bus-sample-sink.js';
import { loadSchema, SingleObjectCodec } from '../../schemas/codec.js';
import { decodeSampleBatch } from '../../schemas/sample-batch-codec.js';
import type { Benchmark, BenchResult } from './bench-result.js';
import { SystemDataset } from './system-dataset.js';

/**
 * Component benchmark (no bus, no disk): what the samples topic's records cost in bytes and
 * codec CPU. The records are the system benchmark's traffic as the sink writes it today
 * (SystemDataset, 4 remote_write connections of 2,000 samples, one sample per series each,
 * spread over the default 8 partitions), captured from BusSampleSink's produce calls. Per codec:
 * bytes per sample on the bus and CPU per sample to compress and to decompress, one record at a
 * time (what the bus does) and, as a bound, 1 MiB runs of a partition's records (what compressing
 * across records could reach). Env: TIDEMARK_BENCH_RECORDS_SERIES (20000), _STEPS (12).
 */
const SERIES = Number(process.env.TIDEMARK_BENCH_RECORDS_SERIES ?? 20_000);
const STEPS = Number(process.env.TIDEMARK_BENCH_RECORDS_STEPS ?? 12);
const PARTITIONS = 8;
const CONNECTIONS = 4;
const SAMPLES_PER_REQUEST = 2_000;

/** Keeps what the sink produces; answers every produce at once. */
class CapturingBus {
  readonly byPartition: Buffer[][] = Array.from({ length: PARTITIONS }, () => []);
  produce(_topic: string, records: readonly ProduceRecord[]): Promise<ProducedRecord[]> {
    for (const r of records) this.byPartition[r.partition].push(r.value);
    return Promise.resolve(records.map((r) => ({ partition: r.partition, offset: 0 })));
  }
}

/** The system benchmark's samples-topic records as the sink produces them, per partition (8). */
export async function samplesTopicRecords(series = SERIES, steps = STEPS): Promise<{ byPartition: Buffer[][]; samples: number }> {
  const capture = new CapturingBus();
  // Only produce is called by a sink without watermarks.
  const sink = new BusSampleSink({ bus: capture as unknown as Bus, topic: 'samples', partitions: PARTITIONS, source: 'remote-write' });
  const ds = new SystemDataset(series);
  const values = new Float64Array(series);
  for (let step = 0; step < steps; step++) {
    ds.step(values);
    const t = ds.timeOf(step);
    const queues: number[][] = Array.from({ length: CONNECTIONS }, () => []);
    const send = async (c: number): Promise<void> => {
      const app = sink.appender();
      for (const i of queues[c]) app.append(ds.series[i].labels, t, values[i]);
      queues[c] = [];
      await app.commit();
    };
    for (let i = 0; i < series; i++) {
      const c = i % CONNECTIONS;
      queues[c].push(i);
      if (queues[c].length === SAMPLES_PER_REQUEST) await send(c);
    }
    for (let c = 0; c < CONNECTIONS; c++) if (queues[c].length > 0) await send(c);
  }
  return { byPartition: capture.byPartition, samples: series * steps };
}

interface Codec {
  readonly name: string;
  compress(b: Buffer): Buffer;
  decompress(b: Buffer): Buffer;
}

const brotli = (quality: number): Codec => ({
  name: `brotli quality ${quality}`,
  compress: (b) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: quality, [constants.BROTLI_PARAM_SIZE_HINT]: b.length } }),
  decompress: (b) => brotliDecompressSync(b),
});
const gzip = (level: number): Codec => ({ name: `gzip level ${level}`, compress: (b) => gzipSync(b, { level }), decompress: (b) => gunzipSync(b) });
const CODECS: readonly Codec[] = [
  gzip(1),
  gzip(6),
  brotli(1),
  brotli(5),
  { name: 'lz4 (lz4-napi)', compress: (b) => lz4Compress(b), decompress: (b) => lz4Uncompress(b) },
  { name: 'snappy (snappy, native)', compress: (b) => snappyBlockCompress(b), decompress: (b) => snappyBlockUncompress(b) },
];

/** CPU nanoseconds of this thread's process for `fn`, per sample. */
function cpuNsPerSample(samples: number, fn: () => void): number {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / samples;
}

function measure(codec: Codec, units: readonly Buffer[], samples: number): { bytes: number; compressNs: number; decompressNs: number } {
  let bytes = 0;
  const out: Buffer[] = [];
  // A warm-up pass, so code and zlib state are in place before anything is timed.
  for (const u of units.slice(0, 50)) codec.decompress(codec.compress(u));
  const compressNs = cpuNsPerSample(samples, () => {
    for (const u of units) {
      const z = codec.compress(u);
      out.push(z);
      bytes += z.length;
    }
  });
  const decompressNs = cpuNsPerSample(samples, () => {
    for (const z of out) codec.decompress(z);
  });
  return { bytes, compressNs, decompressNs };
}

/** A partition's records concatenated and cut in runs of `size` bytes. */
function runsOf(byPartition: readonly Buffer[][], size: number): Buffer[] {
  const out: Buffer[] = [];
  for (const records of byPartition) {
    const all = Buffer.concat(records);
    for (let i = 0; i < all.length; i += size) out.push(all.subarray(i, i + size));
  }
  return out;
}

/** Bytes per sample of each part of a sample batch record: label strings, label references, timestamps, values, the rest. */
function columnShares(records: readonly Buffer[], samples: number): string {
  const codec = new SingleObjectCodec<Record<string, Buffer | string[] | string>>(loadSchema('sample-batch.v4.avsc'), [loadSchema('sample-batch.v1.avsc'), loadSchema('sample-batch.v2.avsc'), loadSchema('sample-batch.v3.avsc')]);
  let symbols = 0;
  let refs = 0;
  let timestamps = 0;
  let values = 0;
  let total = 0;
  for (const r of records) {
    const w = codec.decode(r);
    for (const s of w.symbols as string[]) symbols += Buffer.byteLength(s) + 1;
    refs += (w.labelRefs as Buffer).length + (w.labelCounts as Buffer).length;
    timestamps += (w.timestamps as Buffer).length;
    values += (w.values as Buffer).length;
    total += r.length;
  }
  const per = (n: number) => (n / samples).toFixed(1);
  return `label strings ${per(symbols)}, label refs ${per(refs)}, timestamps ${per(timestamps)}, values ${per(values)}, rest ${per(total - symbols - refs - timestamps - values)} B/sample`;
}

export const recordCompressionBenchmark: Benchmark = {
  area: 'record-compression',
  async run() {
    const { byPartition, samples } = await samplesTopicRecords();
    const records = byPartition.flat();
    const raw = records.reduce((n, r) => n + r.length, 0);
    const shape = `${SERIES.toLocaleString('en')} series x ${STEPS} scrapes, ${records.length} records of ~${Math.round(raw / records.length)} B`;
    const rows: BenchResult[] = [];
    const decodeNs = cpuNsPerSample(samples, () => {
      for (const r of records) decodeSampleBatch(r);
    });
    rows.push({
      name: 'record-compression (component): samples-topic records as produced, uncompressed',
      subject: 'tidemark',
      value: raw / samples,
      unit: 'B/sample',
      note: `${shape}; ${columnShares(records, samples)}; Avro decode ${decodeNs.toFixed(0)} ns/sample for scale`,
    });
    // What the bus does: the same functions, one record at a time.
    for (const codec of ['gzip', 'lz4'] as const) {
      let busBytes = 0;
      const stored: Buffer[] = [];
      const compressNs = cpuNsPerSample(samples, () => {
        for (const r of records) stored.push(compressValue(codec, r) ?? r);
      });
      for (const s of stored) busBytes += s.length;
      const decompressNs = cpuNsPerSample(samples, () => {
        for (let i = 0; i < stored.length; i++) if (stored[i] !== records[i]) decompressValue(codec, stored[i]);
      });
      rows.push({
        name: `record-compression (component): bus.compression ${codec}${codec === busCompressionSchema.parse(undefined) ? ' (the default)' : ''}, per record`,
        subject: 'tidemark',
        value: busBytes / samples,
        unit: 'B/sample',
        goal: 'data directory, log included, <= 2 B/sample (issue 10)',
        note: `${(raw / busBytes).toFixed(2)}x smaller; compress ${compressNs.toFixed(0)}, decompress ${decompressNs.toFixed(0)} CPU ns/sample`,
      });
    }
    for (const [unit, units] of [
      ['per record', records],
      ['1 MiB runs of a partition', runsOf(byPartition, 1 << 20)],
    ] as const) {
      for (const codec of CODECS) {
        const m = measure(codec, units, samples);
        rows.push({
          name: `record-compression (component): ${codec.name}, ${unit}`,
          subject: 'tidemark',
          value: m.bytes / samples,
          unit: 'B/sample',
          note: `${(raw / m.bytes).toFixed(2)}x smaller; compress ${m.compressNs.toFixed(0)}, decompress ${m.decompressNs.toFixed(0)} CPU ns/sample`,
        });
      }
    }
    return rows;
  },
};
