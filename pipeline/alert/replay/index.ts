export {
  replayEvaluationCount, replayInstants, replayRules,
  type RangeQuery, type RangeSeries, type ReplayProgress, type ReplaySink, type RuleOutputSummary, type RuleReplayOptions, type RuleReplaySummary,
} from './rule-replay.js';
