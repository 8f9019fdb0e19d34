export { Aggregator, type AggregatorSettings, type AggregatorStatus } from './aggregator.js';
export { PartialMerger, type PartialMergerSettings, type PartialMergerStatus } from './partial-merger.js';
export { aggregatesConfigSchema, aggregationConfigSchema, aggregationRuleSchema, type AggregationConfig, type AggregationRuleConfig } from './config.js';
export { aggregatesStatusRoute } from './status-api.js';
export { outputNameInfix, groupLabels, outputLabels } from './output-name.js';
export { dropInputPredicate, type DropInputPredicate } from './drop-input.js';
