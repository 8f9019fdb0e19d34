import { createParser, parseExposition, ProtobufParser, type ExpositionFormat, type Parser } from '../../schemas/exposition/index.js';
import { encodeDelimited, METRIC_TYPE, type MetricFamilyMessage } from '../../schemas/exposition/testdata/metric-family-encoder.js';
import type { Benchmark, BenchResult } from './bench-result.js';
import { nodeExporterPage } from './node-exporter-page.js';

const GOAL = '>= 2M samples/s on one core';

/** Pulls every entry and builds each series' labels, as a scrape loop does. Returns samples seen. */
export function pullAll(text: string, format: ExpositionFormat, strict = true): number {
  return drain(createParser(text, format, { strict }));
}

/** Reads every entry of `p`, building each series' labels; returns the samples seen. */
function drain(p: Parser): number {
  let n = 0;
  let sink = 0;
  for (let e = p.next(); e !== undefined; e = p.next()) {
    if (e !== 'series') continue;
    const labels = p.labels();
    sink += p.value() + (p.timestamp() ?? 0) + (labels.__name__ ? 1 : 0);
    n++;
  }
  if (Number.isNaN(sink) && n < 0) throw new Error('unreachable'); // keeps `sink` alive
  return n;
}

/** The same samples as a delimited protobuf page: one untyped family per metric name, as federation writes them. */
export function protobufPage(text: string): Buffer {
  const byName = new Map<string, MetricFamilyMessage & { metric: unknown[] }>();
  for (const s of parseExposition(text).samples) {
    const name = s.labels.__name__!;
    let f = byName.get(name);
    if (f === undefined) byName.set(name, (f = { name, type: METRIC_TYPE.UNTYPED, metric: [] }));
    f.metric.push({ label: Object.entries(s.labels).filter(([k]) => k !== '__name__').map(([k, v]) => ({ name: k, value: v })), untyped: { value: s.value } });
  }
  return encodeDelimited([...byName.values()]);
}

/** `pullAll` over a protobuf page. */
export function pullAllProtobuf(body: Uint8Array): number {
  return drain(new ProtobufParser(body, { nativeHistograms: true, classicHistograms: false }));
}

/**
 * Best-of-N samples per CPU-second of `run` over `samples` samples. CPU time rather than wall
 * time, so other processes on a shared machine do not count against the parser; the parser runs
 * on this one thread (GC helper threads, if busy, count in).
 */
function rate(samples: number, run: () => number, rounds: number): number {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    const n = run();
    const c = process.cpuUsage(c0);
    const dt = (c.user + c.system) / 1e6;
    if (n !== samples) throw new Error(`parsed ${n} samples, expected ${samples}`);
    best = Math.min(best, dt);
  }
  return samples / best;
}

export const expositionBenchmark: Benchmark = {
  area: 'exposition',
  async run(): Promise<BenchResult[]> {
    const rows: BenchResult[] = [];
    for (const format of ['prometheus', 'openmetrics'] as const) {
      const page = nodeExporterPage({ lines: 100_000, format });
      const label = format === 'prometheus' ? 'text 0.0.4' : 'OpenMetrics 1.0 (strict)';
      for (let i = 0; i < 3; i++) pullAll(page.text, format); // warm-up: let the JIT settle
      rows.push({
        name: `exposition pull parse, node_exporter page ${page.lines} lines, ${label}`,
        subject: 'tidemark',
        value: rate(page.samples, () => pullAll(page.text, format), 7),
        unit: 'samples/CPU-s',
        goal: GOAL,
        note: `${page.samples} samples, labels built per series, one thread`,
      });
      rows.push({
        name: `exposition parseExposition (objects), node_exporter page, ${label}`,
        subject: 'tidemark',
        value: rate(page.samples, () => parseExposition(page.text, { format }).samples.length, 5),
        unit: 'samples/CPU-s',
        note: 'families + one object per sample',
      });
    }
    const page = nodeExporterPage({ lines: 100_000, format: 'prometheus' });
    const body = protobufPage(page.text);
    for (let i = 0; i < 3; i++) pullAllProtobuf(body);
    rows.push({
      name: `exposition pull parse, node_exporter page ${page.lines} lines, delimited protobuf`,
      subject: 'tidemark',
      value: rate(page.samples, () => pullAllProtobuf(body), 7),
      unit: 'samples/CPU-s',
      goal: GOAL,
      note: `${page.samples} samples as untyped families (${body.length} bytes), labels built per series, one thread`,
    });
    return rows;
  },
};
