import { decodeProducerWatermark, isProducerWatermark, type ProducerWatermark } from './producer-watermark-codec.js';
import type { LabelSectionMemo } from './label-section-memo.js';
import { decodeSampleBatch, type DecodedSampleBatch } from './sample-batch-codec.js';
import { decodeSeriesDeletion, isSeriesDeletion, type SeriesDeletion } from './series-deletion-codec.js';

/**
 * What a record of a samples topic holds: samples, a delete_series to apply at that point, or a
 * producer's watermark (read by event-time consumers; every other reader skips it).
 */
export type SamplesTopicRecord =
  | { readonly kind: 'samples'; readonly batch: DecodedSampleBatch }
  | { readonly kind: 'deletion'; readonly deletion: SeriesDeletion }
  | { readonly kind: 'watermark'; readonly watermark: ProducerWatermark };

/** Decodes any kind; throws RecordDecodeError on bytes that are none. `sections`: see decodeSampleBatch. */
export function decodeSamplesTopicRecord(bytes: Buffer, sections?: LabelSectionMemo): SamplesTopicRecord {
  if (isProducerWatermark(bytes)) return { kind: 'watermark', watermark: decodeProducerWatermark(bytes) };
  if (isSeriesDeletion(bytes)) return { kind: 'deletion', deletion: decodeSeriesDeletion(bytes) };
  return { kind: 'samples', batch: decodeSampleBatch(bytes, sections) };
}
