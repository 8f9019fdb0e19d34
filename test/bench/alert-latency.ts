/**
 * Alert latency: from pushing a sample that crosses a threshold to the webhook request arriving,
 * median and max of TRIALS trials, each on its own series (and its own alert group).
 * - Tidemark: BusSampleSink -> embedded bus -> rules evaluator (50 ms interval, event time,
 *   lateness 0) -> notifier (group_wait 0s) -> webhook -> node:http sink. Other series keep
 *   flowing on the samples topic (a 20 ms heartbeat, as scrapes do), which moves the watermark.
 * - Prometheus + Alertmanager at their tightest: scraping a tiny exposition server every 1 s,
 *   evaluation_interval 1 s, alerting to Alertmanager with group_wait 0s and a webhook to the
 *   same kind of sink.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BusSampleSink } from '../../pipeline/publish/index.js';
import { EmbeddedBus } from '../../pipeline/bus/embedded/index.js';
import { createNotifier, parseAlertmanagerConfig, parsePostableAlerts } from '../../pipeline/alert/notify/index.js';
import { engineQueryFunc, postableAlerts, RulesEvaluator } from '../../pipeline/alert/rules/index.js';
import { Engine } from '../../pipeline/promql/index.js';
import { startAlertmanager } from '../integration/alert/alertmanager-process.js';
import { WebhookSink } from '../integration/alert/webhook-sink.js';
import type { Benchmark, BenchResult } from './bench-result.js';
import { freePort, PeerProcess, tempDir } from './peers/peer-process.js';

const TRIALS = 20;
const GOAL = '<= 250 ms median';

const amConfig = (url: string): string => `
route:
  receiver: sink
  group_by: [alertname, trial]
  group_wait: 0s
  group_interval: 5m
  repeat_interval: 4h
receivers:
- name: sink
  webhook_configs: [{url: '${url}'}]
`;

/** Waits until the sink got a request naming `trial`; returns when (performance.now()). */
async function arrival(sink: WebhookSink, trial: string, timeoutMs: number): Promise<number> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const hit = sink.requests.find((r) => (r.body?.alerts ?? []).some((a: { labels: Record<string, string> }) => a.labels['trial'] === trial));
    if (hit) return performance.now() - (Date.now() - hit.at);
    if (Date.now() > until) throw new Error(`no webhook for trial ${trial} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function summary(name: string, subject: string, ms: number[], note: string): BenchResult {
  const s = [...ms].sort((a, b) => a - b);
  const median = (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2;
  return { name: `${name}, median of ${s.length}`, subject, value: median, unit: 'ms', goal: subject === 'tidemark' ? GOAL : undefined, note: `max ${s[s.length - 1]!.toFixed(0)} ms; ${note}` };
}

async function tidemark(): Promise<BenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-alert-'));
  const sink = await WebhookSink.start();
  const bus = await EmbeddedBus.open({ dataDir: join(dir, 'bus'), logger: { info() {}, warn() {}, error() {} } });
  const { config, errors } = parseAlertmanagerConfig(amConfig(sink.url));
  if (config === undefined) throw new Error(`alertmanager config: ${errors.map((e) => e.message).join('; ')}`);
  const notifier = createNotifier({ config, pollMs: 20 });
  const rulesFile = join(dir, 'rules.yml');
  await writeFile(rulesFile, 'groups:\n- name: bench\n  interval: 50ms\n  rules:\n  - alert: BenchHigh\n    expr: bench_value > 10\n');
  await bus.ensureTopic('samples', 1);
  const evaluator = new RulesEvaluator({
    bus, samplesTopic: 'samples', aggregatesTopic: 'aggregates', alertsTopic: 'alerts',
    query: engineQueryFunc(new Engine()), allowedLatenessMs: 0, idleTimeoutMs: 200,
    notify: async (alerts) => {
      const { alerts: parsed } = parsePostableAlerts(postableAlerts(alerts), Date.now(), notifier.dispatcher.plan.resolveTimeoutMs);
      await notifier.dispatcher.putAlerts(parsed);
    },
  });
  const samples = new BusSampleSink({ bus, topic: 'samples', partitions: 1, source: 'bench' });
  let beating = true;
  const heartbeat = (async () => {
    const labels = { __name__: 'bench_heartbeat' };
    while (beating) {
      const app = samples.appender();
      app.append(labels, Date.now(), 1);
      await app.commit();
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    await notifier.start();
    await evaluator.applyConfig({ ruleFiles: [rulesFile], evaluationIntervalMs: 1000 });
    await evaluator.start();
    const ms: number[] = [];
    for (let i = 0; i < TRIALS + 1; i++) {
      const trial = `t${i}`;
      const start = performance.now();
      const app = samples.appender();
      app.append({ __name__: 'bench_value', trial }, Date.now(), 100);
      await app.commit();
      const at = await arrival(sink, trial, 10_000);
      if (i > 0) ms.push(at - start); // the first trial warms up JIT and connections
    }
    return summary('alert latency: sample pushed to webhook received', 'tidemark', ms, 'embedded bus, 50 ms evaluation interval, lateness 0, group_wait 0s');
  } finally {
    beating = false;
    await heartbeat;
    await evaluator.stop();
    await notifier.stop();
    await bus.close();
    await sink.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function prometheusAlertmanager(): Promise<BenchResult> {
  const sink = await WebhookSink.start();
  const am = await startAlertmanager(amConfig(sink.url));
  let trial = '';
  const exposition: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(trial === '' ? '' : `bench_value{trial="${trial}"} 100\n`);
  });
  await new Promise<void>((r) => exposition.listen(0, '127.0.0.1', r));
  const target = `127.0.0.1:${(exposition.address() as AddressInfo).port}`;
  const dir = tempDir('bench-prom-alert-');
  await writeFile(join(dir, 'rules.yml'), 'groups:\n- name: bench\n  rules:\n  - alert: BenchHigh\n    expr: bench_value > 10\n');
  await writeFile(join(dir, 'prometheus.yml'), `
global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [rules.yml]
alerting:
  alertmanagers: [{static_configs: [{targets: ['${am.url.replace('http://', '')}']}]}]
scrape_configs:
- job_name: bench
  static_configs: [{targets: ['${target}']}]
`);
  const port = await freePort();
  const prom = new PeerProcess('prometheus', process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--log.level=error',
  ], dir);
  try {
    await prom.waitReady(`http://127.0.0.1:${port}/-/ready`, 60_000);
    const ms: number[] = [];
    for (let i = 0; i < TRIALS + 1; i++) {
      trial = `p${i}`;
      const start = performance.now();
      const at = await arrival(sink, trial, 15_000);
      if (i > 0) ms.push(at - start);
      // Random phase against the scrape and evaluation ticks, as a real threshold crossing has.
      await new Promise((r) => setTimeout(r, Math.random() * 1000));
    }
    return summary('alert latency: sample exposed to webhook received', 'prometheus+alertmanager', ms, 'scrape 1s, evaluation_interval 1s, group_wait 0s');
  } finally {
    await prom.stop();
    await am.stop();
    exposition.closeAllConnections();
    await new Promise((r) => exposition.close(r));
    await sink.close();
  }
}

export const alertLatencyBenchmark: Benchmark = {
  area: 'alert-latency',
  async run() {
    return [await tidemark(), await prometheusAlertmanager()];
  },
};
