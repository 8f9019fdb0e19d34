export * from './labels.js';
export * from './sample.js';
export { RecordDecodeError } from './errors.js';
export { SingleObjectCodec, loadSchema } from './codec.js';
export { encodeSampleBatch, decodeSampleBatch, encodeSampleBatchV1, type DecodedSampleBatch } from './sample-batch-codec.js';
export { encodeDeadLetter, decodeDeadLetter, type DeadLetter } from './dead-letter-codec.js';
export { canonicalBytes, seriesHash } from './series-hash.js';
export { partitionForHash } from './partition.js';
export { SeriesPartitioner } from './series-partitioner.js';
