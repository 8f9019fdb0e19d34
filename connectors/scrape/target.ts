import { canonicalLabels, type Labels } from '../../schemas/labels.js';
import { publicTargetLabels, targetUrl } from './target-labels.js';

export type TargetHealth = 'up' | 'down' | 'unknown';

/** The synthetic series every scrape reports, in Prometheus' order. */
export const REPORT_METRICS = [
  'up',
  'scrape_duration_seconds',
  'scrape_samples_scraped',
  'scrape_samples_post_metric_relabeling',
  'scrape_series_added',
] as const;

/** The series `extra_scrape_metrics` adds after those, in Prometheus' order. */
export const EXTRA_REPORT_METRICS = ['scrape_timeout_seconds', 'scrape_sample_limit', 'scrape_body_size_bytes'] as const;

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK64 = 0xffffffffffffffffn;

/** 64-bit FNV-1a of a string's UTF-8 bytes (Prometheus hashes targets with FNV-1a too). */
export function fnv1a64(text: string): bigint {
  let h = FNV_OFFSET;
  for (const b of Buffer.from(text, 'utf8')) h = ((h ^ BigInt(b)) * FNV_PRIME) & MASK64;
  return h;
}

/**
 * One scrape target: its final labels (`__` labels included), the labels it had before
 * relabeling, its URL, and what `/api/v1/targets` reports of its last scrape.
 */
export class Target {
  readonly url: string;
  /** Identity of the target: its labels and URL (Prometheus' Target.hash). */
  readonly hash: bigint;
  /** Labels put on every series of the target (no `__` labels). */
  readonly publicLabels: Labels;
  readonly publicLabelList: ReadonlyArray<readonly [string, string]>;
  /** `up`, `scrape_duration_seconds`, ... with the target labels, in REPORT_METRICS order. */
  readonly reportLabels: readonly Labels[];
  /** `scrape_timeout_seconds`, ... with the target labels, in EXTRA_REPORT_METRICS order. */
  readonly extraReportLabels: readonly Labels[];

  health: TargetHealth = 'unknown';
  lastError = '';
  /** Epoch ms of the last scrape's start; 0 before the first. */
  lastScrape = 0;
  /** Seconds. */
  lastScrapeDuration = 0;

  constructor(
    readonly labels: Labels,
    readonly discoveredLabels: Labels,
    readonly scrapePool: string,
    params: Readonly<Record<string, readonly string[]>>,
  ) {
    this.url = targetUrl(labels, params);
    this.hash = fnv1a64(`${canonicalLabels(labels)}\u0000${this.url}`);
    this.publicLabels = publicTargetLabels(labels);
    this.publicLabelList = Object.entries(this.publicLabels);
    this.reportLabels = REPORT_METRICS.map((name) => ({ ...this.publicLabels, __name__: name }));
    this.extraReportLabels = EXTRA_REPORT_METRICS.map((name) => ({ ...this.publicLabels, __name__: name }));
  }

  /** Records a finished scrape (Prometheus' Target.Report). */
  report(startMs: number, durationSec: number, error: Error | undefined): void {
    this.health = error === undefined ? 'up' : 'down';
    this.lastError = error === undefined ? '' : error.message;
    this.lastScrape = startMs;
    this.lastScrapeDuration = durationSec;
  }

  /**
   * Delay from `nowMs` to this target's next slot: scrapes of a target happen at a fixed phase of
   * the interval given by its hash (mixed with `jitterSeed`), so targets spread over the interval
   * and a restart keeps each target's phase (Prometheus' Target.offset).
   */
  offset(intervalMs: number, nowMs: number, jitterSeed = 0n): number {
    const phase = Number((this.hash ^ jitterSeed) % BigInt(intervalMs));
    const base = intervalMs - (nowMs % intervalMs);
    let next = base + phase;
    if (next > intervalMs) next -= intervalMs;
    return next;
  }

  /** Whether replica `shard` of `shards` scrapes this target (hash mod n == i). */
  inShard(shard: number, shards: number): boolean {
    return shards <= 1 || Number(this.hash % BigInt(shards)) === shard;
  }
}
