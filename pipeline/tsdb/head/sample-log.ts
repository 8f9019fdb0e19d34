import type { Labels } from '../../../schemas/labels.js';
import type { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import type { LabelMatcher } from '../querier.js';

/**
 * Where the head reports what it accepted, in order, so a write-ahead log can make it durable.
 * Only accepted samples are reported (rejected and ignored duplicates are not).
 */
export interface SampleLog {
  series(ref: number, labels: Labels): void;
  sample(ref: number, t: number, v: number, stale: boolean): void;
  histogram(ref: number, t: number, h: FloatHistogram): void;
  /** The start timestamp of the sample at `t` of series `ref` (reported after the sample). */
  startTimestamp?(ref: number, t: number, st: number): void;
  deletion(matchers: readonly LabelMatcher[], mint: number, maxt: number): void;
}
