import { SingleObjectCodec, loadSchema } from './codec.js';
import type { Labels } from './labels.js';

/** An exemplar with the series it belongs to (exemplar-batch.v1.avsc). */
export interface SeriesExemplar {
  readonly series: Labels;
  readonly labels: Labels;
  readonly value: number;
  readonly timestampMs: number;
}

const codec = new SingleObjectCodec<{ exemplars: SeriesExemplar[] }>(loadSchema('exemplar-batch.v1.avsc'));

export function encodeExemplarBatch(exemplars: readonly SeriesExemplar[]): Buffer {
  return codec.encode({ exemplars: exemplars as SeriesExemplar[] });
}

export function decodeExemplarBatch(bytes: Buffer): SeriesExemplar[] {
  return codec.decode(bytes).exemplars.map(({ series, labels, value, timestampMs }) => ({ series: { ...series }, labels: { ...labels }, value, timestampMs }));
}
