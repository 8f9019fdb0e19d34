import type { SeriesExemplar } from './exemplar-codec.js';

/**
 * Where a connector hands the exemplars of a scrape or push, once its samples are committed.
 * `record` does not wait for the bus; a sink reports its own write errors.
 */
export interface ExemplarSink {
  record(exemplars: readonly SeriesExemplar[]): void;
}
