import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from 'pino';
import { Engine } from '../promql/index.js';
import { Head } from '../tsdb/index.js';
import type { QueryConfig } from './config.js';
import { matrixJson } from './matrix-json.js';
import { queryEngineOptions } from './query-engine.js';

const SCRAPE_MS = 15_000;
const STEP_MS = 60_000;
/** An hour of scrapes: range functions and steps loop long enough for V8 to compile them. */
const SAMPLES = 240;
/** Epoch milliseconds, as a real select's are (code compiled for small integers would be thrown away). */
const START_MS = 1_700_000_000_000;
const HOSTS = 8;

/**
 * Shapes of the small queries a dashboard asks, which the evaluation pool computes on the calling
 * thread (EvalPool's in-place cost): rates with a counter reset, aggregations, range functions
 * over gauges, binary operations between selects, a classic histogram's quantile.
 */
const QUERIES = [
  'warm_up_cpu_seconds_total{host="h0",mode="user"}',
  'rate(warm_up_cpu_seconds_total[5m])',
  'sum by (mode) (increase(warm_up_cpu_seconds_total[5m]))',
  'sum by (host) (rate(warm_up_requests_total{code=~"5.."}[5m]))',
  'sum(rate(warm_up_requests_total{code=~"5.."}[5m])) / sum(rate(warm_up_requests_total[5m]))',
  'avg_over_time(warm_up_load1[10m])',
  'max_over_time(warm_up_load1[10m])',
  '1 - max by (host) (warm_up_avail_bytes / warm_up_size_bytes)',
  'histogram_quantile(0.99, sum by (le) (rate(warm_up_duration_seconds_bucket[5m])))',
];

/**
 * A head of synthetic series for QUERIES: never the user's data, and dropped after the warm-up.
 * Built one host's series a turn of the event loop: built in one go (about 20,000 appends in
 * code not yet compiled) it held the first `/-/ready` after a start 0.25-0.3 s.
 */
export async function syntheticHead(): Promise<Head> {
  const head = new Head();
  let seed = 1;
  const random = (): number => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    return seed / 2 ** 32;
  };
  const counter = (labels: Record<string, string>, step: number, resetAt: number): void => {
    let v = 0;
    for (let i = 0; i < SAMPLES; i++) {
      v = i === resetAt ? 0 : v + Math.floor(random() * step);
      head.append(labels, START_MS + i * SCRAPE_MS, v);
    }
  };
  const gauge = (labels: Record<string, string>, base: number, spread: number): void => {
    for (let i = 0; i < SAMPLES; i++) head.append(labels, START_MS + i * SCRAPE_MS, Math.round((base + random() * spread) * 100) / 100);
  };
  for (let h = 0; h < HOSTS; h++) {
    await nextTurn();
    const host = `h${h}`;
    for (const mode of ['user', 'system', 'idle']) counter({ __name__: 'warm_up_cpu_seconds_total', host, mode }, 15, h === 0 ? SAMPLES / 2 : -1);
    for (const code of ['200', '500']) counter({ __name__: 'warm_up_requests_total', host, code }, code === '200' ? 100 : 3, h === 1 ? SAMPLES / 3 : -1);
    gauge({ __name__: 'warm_up_load1', host }, 1, 4);
    gauge({ __name__: 'warm_up_avail_bytes', host }, 4e9, 1e9);
    gauge({ __name__: 'warm_up_size_bytes', host }, 1e10, 0);
  }
  await nextTurn();
  for (const le of ['0.1', '0.5', '1', '+Inf']) counter({ __name__: 'warm_up_duration_seconds_bucket', le }, Number(le === '+Inf' ? 40 : Number(le) * 30), -1);
  return head;
}

/**
 * Evaluates a few small range queries over synthetic series through the query engine and its
 * evaluation pool, on this thread, one query a turn of the event loop (health checks and real
 * queries go between them). The pool's workers compile the engine on the large queries they
 * get; this thread only ever evaluates small ones, and the first of those after a start ran the
 * engine in V8's interpreter. Nothing is stored, cached or counted (the query API is not
 * involved); a failure is logged, never thrown. `stopped` ends it early. Returns how many
 * queries it evaluated.
 */
export async function warmUpInPlaceEvaluation(config: QueryConfig, log: Logger, stopped: () => boolean = () => false): Promise<number> {
  let evaluated = 0;
  try {
    const head = await syntheticHead();
    const engine = new Engine(queryEngineOptions(config));
    const end = START_MS + (SAMPLES - 1) * SCRAPE_MS;
    // Once each: three times took about 40 % more CPU and the first real queries were no faster.
    for (const query of QUERIES) {
      await nextTurn();
      if (stopped()) return evaluated;
      // Steps between scrapes, as dashboards' are.
      const r = await engine.rangeQuery(head, query, START_MS + 7_500, end, STEP_MS);
      // The answer's bytes too (matrix-json.ts writes them a byte at a time): without it the
      // first large answers after a start were written by V8's interpreter.
      if (r.value.resultType === 'matrix') matrixJson('[', r.value.result, ']');
      evaluated++;
    }
  } catch (err) {
    log.warn({ err, evaluated }, 'warming up in-place query evaluation failed; the first small queries may be slower');
  }
  return evaluated;
}
