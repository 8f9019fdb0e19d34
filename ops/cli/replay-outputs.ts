import { hostname } from 'node:os';
import { pino } from 'pino';
import type { Bus } from '../../pipeline/bus/bus.js';
import { BusSampleSink } from '../../pipeline/publish/index.js';
import { ReplayMetrics } from '../replay/replay-metrics.js';
import { AlertsTopicHistory } from '../replay/alerts-topic-history.js';
import { replayRunId } from '../replay/replayed-alert-history.js';
import type { RuleReplayRunOptions } from '../replay/rule-replay-run.js';
import { parseListenAddress, type HttpServer } from '../server/http-server.js';
import { createMetricsRegistry } from '../server/metrics-registry.js';
import { busFromConfig } from './bus-from-config.js';
import { configFromFlags } from './config-from-flags.js';
import { watermarksOf } from './deferred-bus-sink.js';
import { UsageError } from './flags.js';
import { serveMetrics } from './metrics-listener.js';
import { alertmanagerTargets, httpNotifyFunc } from './rules.js';

/** The flags of `tidemark replay --rules` that send its output somewhere besides `--url`. */
export interface ReplayOutputFlags {
  readonly kafka?: string;
  readonly config?: string;
  readonly notify: boolean;
  readonly listen?: string;
  readonly dryRun: boolean;
}

/** What the replay run gets from them, and how to close them afterwards. */
export interface ReplayOutputs {
  readonly options: Pick<RuleReplayRunOptions, 'samples' | 'alertHistory' | 'notify' | 'metrics'>;
  /** The alerts topic the replayed state changes go to, when they go to one. */
  readonly alertsTopic?: string;
  close(): Promise<void>;
}

/**
 * Opens what the flags ask for (loaded only then: the bus clients and the configuration schema
 * cost a replay through `--url` alone a noticeable start): the bus of `--kafka` or of a `--config`
 * whose bus is Kafka (samples topic for the output, alerts topic for the replayed state changes),
 * the notifiers of `--notify`, the `/metrics` listener of `--listen`.
 */
export async function openReplayOutputs(f: ReplayOutputFlags): Promise<ReplayOutputs> {
  const listen = f.listen === undefined ? undefined : parseListenAddress(f.listen);
  const cfg = f.kafka !== undefined || f.config !== undefined
    ? await configFromFlags({ config: f.config, kafka: f.kafka, data: './data', listen: f.listen ?? '127.0.0.1:0', logLevel: 'warn' })
    : undefined;
  let notify;
  if (f.notify && !f.dryRun) {
    const targets = cfg === undefined ? [] : alertmanagerTargets(cfg);
    if (targets.length === 0) throw new UsageError('replay: --notify sends to the alerting.alertmanagers targets of --config FILE, and it names none');
    notify = httpNotifyFunc(targets);
  }
  const log = pino({ level: 'warn' }, pino.destination(2));
  let bus: Bus | undefined;
  let sink: BusSampleSink | undefined;
  let server: HttpServer | undefined;
  const close = async (): Promise<void> => {
    await sink?.close();
    await bus?.close();
    await server?.close();
  };
  try {
    let metrics;
    if (listen !== undefined) {
      const registry = createMetricsRegistry('replay');
      metrics = new ReplayMetrics(registry);
      server = await serveMetrics(registry, log, listen, 'replay');
    }
    if (cfg === undefined || cfg.bus.type !== 'kafka' || f.dryRun) return { options: { notify, metrics }, close };
    bus = await busFromConfig(cfg, './data', log);
    const topics = cfg.bus.topics;
    sink = new BusSampleSink({
      bus,
      topic: topics.samples,
      // The topic's actual partition count decides where a series goes, as for every producer.
      partitions: await bus.ensureTopic(topics.samples, cfg.bus.partitions),
      source: `replay/${hostname()}`,
      watermarks: watermarksOf(cfg, log),
    });
    const alertHistory = (await AlertsTopicHistory.open(bus, topics.alerts)).forRun(replayRunId());
    return { options: { samples: sink, alertHistory, notify, metrics }, alertsTopic: topics.alerts, close };
  } catch (err) {
    await close();
    throw err;
  }
}
