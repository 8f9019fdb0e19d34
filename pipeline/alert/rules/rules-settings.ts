/** What code injects into the rules evaluator (`…Settings`) and what `applyConfig` takes. */
import type { Registry } from 'prom-client';
import type { Labels } from '../../../schemas/index.js';
import type { Bus } from '../../bus/bus.js';
import type { NotifyFunc } from './notify-func.js';
import type { WindowQueryFunc } from './query-func.js';

export interface RulesLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface RulesEvaluatorSettings {
  readonly bus: Bus;
  readonly samplesTopic: string;
  readonly aggregatesTopic: string;
  readonly alertsTopic: string;
  /** Undecodable records go here; without it they are counted and skipped. */
  readonly deadLetterTopic?: string;
  /**
   * Consumer group of the samples topic; default "rules" (the aggregates topic uses
   * "<group>.aggregates"). Run one member per group: every member needs every partition.
   */
  readonly group?: string;
  /** Partitions for topics this evaluator creates when missing; default the samples topic's count. */
  readonly topicPartitions?: number;
  readonly query: WindowQueryFunc;
  readonly notify?: NotifyFunc;
  /** Alert state and evaluation progress survive restarts here; in memory only when absent. */
  readonly stateFile?: string;
  readonly externalLabels?: Labels;
  readonly externalURL?: string;
  /** For partitions whose producers send no watermarks: how far event time trails their newest sample. Default 1 s. */
  readonly allowedLatenessMs?: number;
  /**
   * Processing time after which a producer that stopped promising, or a partition without
   * promising producers and without data, stops holding the watermark; default 10 s.
   */
  readonly idleTimeoutMs?: number;
  /**
   * Alerting rules are also evaluated at the event time of each sample they read, rounded up to
   * this many milliseconds, so a crossing fires once the watermark passes it rather than at the
   * next interval instant. 0 evaluates at interval instants only. Default 100.
   */
  readonly arrivalResolutionMs?: number;
  /**
   * Samples older than the watermark when they arrive: `keep` (default) holds them in the window
   * for the evaluations still to come (alerting rules that read them are evaluated at the next
   * arrival step); `drop` ignores them. Either way they are counted.
   */
  readonly lateSamples?: 'keep' | 'drop';
  /** Producer watermarks on the aggregates topic (bus.watermarks); none when absent. */
  readonly producerWatermarks?: { readonly periodMs: number; readonly lagMs: number };
  /** Default 5 m, as the PromQL engine's. */
  readonly lookbackDeltaMs?: number;
  /** Firing alerts are resent this often; default 1 m. */
  readonly resendDelayMs?: number;
  /**
   * Without rules, records read are committed at most this often (and at stop) rather than per
   * batch: a restart reads at most this much again. 0 commits every batch. Default 1 s.
   */
  readonly passOverCommitIntervalMs?: number;
  /** Also read the aggregates topic (recording output of other writers); default true. */
  readonly consumeAggregates?: boolean;
  /** Written into published sample batches; default "rules". */
  readonly source?: string;
  readonly registry?: Registry;
  readonly logger?: RulesLogger;
  /** Processing clock (idleness, notifier validity); default Date.now. */
  readonly now?: () => number;
}

export interface RulesConfig {
  readonly ruleFiles: readonly string[];
  readonly evaluationIntervalMs: number;
  readonly queryOffsetMs?: number;
}
