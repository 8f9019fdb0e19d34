import { formatLabels, type Labels } from '../../schemas/labels.js';

/** A discovered target Prometheus would reject (no address, bad scheme, bad interval labels). */
export class TargetLabelsError extends Error {
  readonly code = 'scrape_target_labels';
  readonly retryable = false;
  constructor(
    readonly detail: string,
    readonly discovered: Labels,
    options?: { cause?: unknown },
  ) {
    super(`${detail} (target ${formatLabels(discovered)})`, options);
    this.name = 'TargetLabelsError';
  }
}

export type ScrapeFailureKind =
  | 'http'
  | 'status'
  | 'timeout'
  | 'body_size_limit'
  | 'parse'
  | 'content_type'
  | 'sample_limit'
  | 'bucket_limit'
  | 'label_limit'
  | 'name_missing'
  | 'invalid_name';

/**
 * One failed scrape: what went wrong and on which target. Its message is what
 * `/api/v1/targets` shows as `lastError`, worded as Prometheus words it. Retryable: the next
 * scrape tries again.
 */
export class ScrapeError extends Error {
  readonly code = 'scrape_failed';
  readonly retryable = true;
  constructor(
    readonly kind: ScrapeFailureKind,
    message: string,
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ScrapeError';
  }
}

/** A service discovery source that could not be read (file, HTTP endpoint). */
export class DiscoveryError extends Error {
  readonly code = 'scrape_discovery';
  readonly retryable = true;
  constructor(
    readonly source: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${source}: ${message}`, options);
    this.name = 'DiscoveryError';
  }
}
