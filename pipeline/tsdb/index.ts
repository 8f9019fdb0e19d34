export type { LabelMatcher, MatchType, PlannedSelectSink, PresenceSummary, Querier, Queryable, SampleBudget, SelectHints, Series, SeriesSet } from './querier.js';
export { seriesSamples } from './querier.js';
export { selectHints } from './select-hints.js';
export { Tsdb, type TsdbOptions, type TsdbStats } from './tsdb.js';
export { Head, type HeadOptions, type HeadStats } from './head/index.js';
export { Block, type BlockMeta } from './block/index.js';
export { MergeQuerier } from './merge-querier.js';
export { canonicalKey } from './canonical-key.js';
export { rankHeadSeries } from './head-series-ranks.js';
export { compiledMatcher } from './index/label-matcher.js';
export { LoopTurns, loopTurns } from './loop-turns.js';
export { IdleStop, WORKER_IDLE_MS } from './idle-stop.js';
export { expectArrayBufferTransfers } from './expect-array-buffer-transfers.js';
export { sharedMemory } from './shared-memory/index.js';
export { TurnTakingQuerier } from './turn-taking-querier.js';
export { SelectWrappingQuerier } from './select-wrapping-querier.js';
export { labelStatsOf, mergeLabelStats, emptyLabelStats, headCounts, type LabelStats, type LabelStatsRequest, type HeadCounts } from './label-stats.js';
export { XorChunk, XorAppender, XorIterator, SAMPLES_PER_CHUNK } from './chunks/index.js';
export { readHistogram, writeHistogram } from './chunks/index.js';
export { ByteReader, ByteWriter } from './block/index.js';
export {
  TsdbError,
  DuplicateSampleError,
  InvalidSampleError,
  InvalidMatcherError,
  CorruptionError,
  TsdbClosedError,
} from './errors.js';
