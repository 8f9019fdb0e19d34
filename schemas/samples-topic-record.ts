import { decodeSampleBatch, type DecodedSampleBatch } from './sample-batch-codec.js';
import { decodeSeriesDeletion, isSeriesDeletion, type SeriesDeletion } from './series-deletion-codec.js';

/** What a record of a samples topic holds: samples, or a delete_series to apply at that point. */
export type SamplesTopicRecord =
  | { readonly kind: 'samples'; readonly batch: DecodedSampleBatch }
  | { readonly kind: 'deletion'; readonly deletion: SeriesDeletion };

/** Decodes either kind; throws RecordDecodeError on bytes that are neither. */
export function decodeSamplesTopicRecord(bytes: Buffer): SamplesTopicRecord {
  if (isSeriesDeletion(bytes)) return { kind: 'deletion', deletion: decodeSeriesDeletion(bytes) };
  return { kind: 'samples', batch: decodeSampleBatch(bytes) };
}
