import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FloatHistogram, Histogram, type CounterResetHint, type Span } from '../../schemas/native-histogram/index.js';
import type { HistogramValue } from '../../schemas/sample.js';
import { PersistenceError } from './errors.js';
import type { MetricGroup } from './metric-store.js';
import type { PushedFamily, PushedMetric, PushedType } from './pushed-family.js';

const VERSION = 1;

/** JSON cannot hold NaN or infinities: those travel as strings. */
type Num = number | string;
const enc = (v: number): Num => (Number.isFinite(v) ? v : Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf');
const dec = (v: Num): number => (typeof v === 'number' ? v : v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number.NaN);

interface FileMetric {
  l: Record<string, string>;
  v?: Num;
  s?: Num;
  c?: Num;
  b?: Array<[Num, Num]>;
  q?: Array<[Num, Num]>;
  n?: FileNativeHistogram;
}
/** A native histogram: integer (delta-encoded buckets) or float (`f`), Prometheus' fields. */
interface FileNativeHistogram {
  f: boolean;
  hint: CounterResetHint;
  schema: number;
  zt: Num;
  zc: Num;
  c: Num;
  s: Num;
  ps: Span[];
  ns: Span[];
  pb: Num[];
  nb: Num[];
}
interface FileFamily {
  name: string;
  type: PushedType;
  help?: string;
  at: number;
  metrics: FileMetric[];
}
interface FileGroup {
  labels: Record<string, string>;
  lastPushMs: number;
  lastFailureMs: number;
  pushFamilyAtMs: number;
  failureFamilyAtMs: number;
  families: FileFamily[];
}

/**
 * The groups in a file, written atomically (temporary file, fsync, rename, fsync of the
 * directory) as the Pushgateway's --persistence.file, but as JSON rather than gob.
 */
export async function writeGroupsFile(file: string, groups: Iterable<MetricGroup>): Promise<void> {
  const body: FileGroup[] = [];
  for (const g of groups) {
    body.push({
      labels: { ...g.labels },
      lastPushMs: g.lastPushMs,
      lastFailureMs: g.lastFailureMs,
      pushFamilyAtMs: g.pushFamilyAtMs,
      failureFamilyAtMs: g.failureFamilyAtMs,
      families: [...g.families.values()].map(({ family, pushedAtMs }) => ({
        name: family.name,
        type: family.type,
        help: family.help,
        at: pushedAtMs,
        metrics: family.metrics.map(encodeMetric),
      })),
    });
  }
  const tmp = `${file}.in_progress.${process.pid}`;
  try {
    // The file's directory (e.g. <data>/pushgateway/) does not exist on a fresh data directory.
    await mkdir(dirname(file), { recursive: true });
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(JSON.stringify({ version: VERSION, groups: body }));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
    const dir = await open(dirname(file), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch (cause) {
    await unlink(tmp).catch(() => undefined);
    throw new PersistenceError(`writing the persistence file failed: ${(cause as Error).message}`, file, { cause });
  }
}

/** Groups from the file; an absent file is an empty store. */
export async function readGroupsFile(file: string, groupKey: (labels: Record<string, string>) => string): Promise<MetricGroup[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new PersistenceError(`reading the persistence file failed: ${(cause as Error).message}`, file, { cause });
  }
  try {
    const parsed = JSON.parse(text) as { version: number; groups: FileGroup[] };
    if (parsed.version !== VERSION) throw new Error(`unknown version ${parsed.version}`);
    return parsed.groups.map((g) => ({
      key: groupKey(g.labels),
      labels: g.labels,
      lastPushMs: g.lastPushMs,
      lastFailureMs: g.lastFailureMs,
      pushFamilyAtMs: g.pushFamilyAtMs,
      failureFamilyAtMs: g.failureFamilyAtMs,
      families: new Map(
        g.families.map((f) => {
          const family: PushedFamily = { name: f.name, type: f.type, help: f.help, metrics: f.metrics.map(decodeMetric) };
          return [f.name, { family, pushedAtMs: f.at }];
        }),
      ),
    }));
  } catch (cause) {
    throw new PersistenceError(`the persistence file is corrupt: ${(cause as Error).message}`, file, { cause });
  }
}

function encodeMetric(m: PushedMetric): FileMetric {
  const out: FileMetric = { l: m.labels };
  if (m.value !== undefined) out.v = enc(m.value);
  if (m.sum !== undefined) out.s = enc(m.sum);
  if (m.count !== undefined) out.c = enc(m.count);
  if (m.buckets !== undefined) out.b = m.buckets.map(([a, b]) => [enc(a), enc(b)]);
  if (m.quantiles !== undefined) out.q = m.quantiles.map(([a, b]) => [enc(a), enc(b)]);
  if (m.native !== undefined) out.n = encodeNative(m.native);
  return out;
}

function encodeNative(h: HistogramValue): FileNativeHistogram {
  return {
    f: h instanceof FloatHistogram,
    hint: h.counterResetHint,
    schema: h.schema,
    zt: enc(h.zeroThreshold),
    zc: enc(h.zeroCount),
    c: enc(h.count),
    s: enc(h.sum),
    ps: h.positiveSpans,
    ns: h.negativeSpans,
    pb: h.positiveBuckets.map(enc),
    nb: h.negativeBuckets.map(enc),
  };
}

function decodeNative(n: FileNativeHistogram): HistogramValue {
  const fields = {
    counterResetHint: n.hint, schema: n.schema, zeroThreshold: dec(n.zt), zeroCount: dec(n.zc), count: dec(n.c), sum: dec(n.s),
    positiveSpans: n.ps, negativeSpans: n.ns, positiveBuckets: n.pb.map(dec), negativeBuckets: n.nb.map(dec),
  };
  return n.f ? new FloatHistogram(fields) : new Histogram(fields);
}

function decodeMetric(f: FileMetric): PushedMetric {
  const m: PushedMetric = { labels: f.l };
  if (f.v !== undefined) m.value = dec(f.v);
  if (f.s !== undefined) m.sum = dec(f.s);
  if (f.c !== undefined) m.count = dec(f.c);
  if (f.b !== undefined) m.buckets = f.b.map(([a, b]) => [dec(a), dec(b)]);
  if (f.q !== undefined) m.quantiles = f.q.map(([a, b]) => [dec(a), dec(b)]);
  if (f.n !== undefined) m.native = decodeNative(f.n);
  return m;
}
