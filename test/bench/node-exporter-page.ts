import { writeText, type WritableFamily, type WritableSample } from '../../schemas/exposition/index.js';
import type { ExpositionFormat } from '../../schemas/exposition/index.js';
import { seededRandom } from '../harness/seeded-random.js';

/** A generated exposition page and what it holds. */
export interface NodeExporterPage {
  readonly text: string;
  readonly lines: number;
  readonly samples: number;
  readonly families: readonly WritableFamily[];
}

export interface NodeExporterPageOptions {
  /** Total lines including HELP/TYPE (default 100,000); the page has exactly this many (+ `# EOF`). */
  readonly lines?: number;
  readonly format?: ExpositionFormat;
  /** PRNG seed; the same seed gives the same page (default 1). */
  readonly seed?: number;
}

const CPU_MODES = ['idle', 'iowait', 'irq', 'nice', 'softirq', 'steal', 'system', 'user'];
const BUCKETS = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];
const FSTYPES = ['ext4', 'xfs', 'tmpfs', 'overlay'];

/**
 * A deterministic page shaped like node_exporter's /metrics on a big host: per-CPU counters,
 * per-device network and disk counters, filesystem gauges with three labels, request-duration
 * histograms with 12 buckets, every family with HELP and TYPE. Families repeat under numbered
 * prefixes (`node`, `node2`, ...) until the line budget is spent.
 */
export function nodeExporterPage(options: NodeExporterPageOptions = {}): NodeExporterPage {
  const target = options.lines ?? 100_000;
  const rand = seededRandom(options.seed ?? 1);
  const families: WritableFamily[] = [];
  let lines = 0;
  let round = 0;
  const counter = () => Math.round(rand() * 1e9) / 100;
  const push = (f: WritableFamily) => {
    families.push(f);
    lines += f.samples.length + 2;
  };
  while (lines < target) {
    const p = round === 0 ? 'node' : `node${round + 1}`;
    round++;
    const templates: (() => WritableFamily)[] = [
      () => ({
        name: `${p}_cpu_seconds_total`,
        type: 'counter',
        help: 'Seconds the CPUs spent in each mode.',
        samples: range(64).flatMap((cpu) => CPU_MODES.map((mode) => ({ labels: { __name__: `${p}_cpu_seconds_total`, cpu: String(cpu), mode }, value: counter() }))),
      }),
      () => ({
        name: `${p}_network_receive_bytes_total`,
        type: 'counter',
        help: 'Network device statistic receive_bytes.',
        samples: range(48).map((d) => ({ labels: { __name__: `${p}_network_receive_bytes_total`, device: `eth${d}` }, value: Math.floor(rand() * 1e12) })),
      }),
      () => ({
        name: `${p}_filesystem_avail_bytes`,
        type: 'gauge',
        help: 'Filesystem space available to non-root users in bytes.',
        samples: range(40).map((d) => ({
          labels: { __name__: `${p}_filesystem_avail_bytes`, device: `/dev/sd${String.fromCharCode(97 + (d % 26))}${d}`, fstype: FSTYPES[d % 4], mountpoint: `/mnt/data${d}` },
          value: Math.floor(rand() * 1e11),
        })),
      }),
      () => ({
        name: `${p}_disk_io_time_seconds_total`,
        type: 'counter',
        help: 'Total seconds spent doing I/Os.',
        samples: range(32).map((d) => ({ labels: { __name__: `${p}_disk_io_time_seconds_total`, device: `nvme${d}n1` }, value: counter() })),
      }),
      () => histogram(`${p}_http_request_duration_seconds`, rand),
      () => ({
        name: `${p}_load1`,
        type: 'gauge',
        help: '1m load average.',
        samples: [{ labels: { __name__: `${p}_load1` }, value: Math.round(rand() * 4000) / 100 }],
      }),
    ];
    for (const t of templates) {
      const f = t();
      if (lines + f.samples.length + 2 > target) break;
      push(f);
    }
    let left = target - lines;
    if (left > 0 && left < 600) {
      // Top up with one gauge family so the page has exactly `target` lines (it needs 3+).
      while (left < 3) {
        const last = families.pop()!;
        lines -= last.samples.length + 2;
        left = target - lines;
      }
      const name = `${p}_filler_entropy_bits`;
      push({ name, type: 'gauge', help: 'Filler gauge.', samples: range(left - 2).map((i) => ({ labels: { __name__: name, pool: String(i) }, value: i })) });
    }
  }
  const format = options.format ?? 'prometheus';
  const text = writeText(families, { format });
  return { text, lines, samples: families.reduce((n, f) => n + f.samples.length, 0), families };
}

function histogram(name: string, rand: () => number): WritableFamily {
  const samples: WritableSample[] = [];
  for (const handler of ['/metrics', '/api/v1/query', '/api/v1/write', '/-/healthy']) {
    for (const code of ['200', '500']) {
      let cum = 0;
      for (const le of BUCKETS) {
        cum += Math.floor(rand() * 1000);
        samples.push({ labels: { __name__: `${name}_bucket`, handler, code, le }, value: cum });
      }
      samples.push({ labels: { __name__: `${name}_sum`, handler, code }, value: Math.round(rand() * 1e6) / 1000 });
      samples.push({ labels: { __name__: `${name}_count`, handler, code }, value: cum });
    }
  }
  return { name, type: 'histogram', help: 'HTTP request latencies in seconds.', samples };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

