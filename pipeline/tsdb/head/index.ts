export { Head, hashLabels, hashString, type HeadOptions, type HeadStats } from './head.js';
export { HeadQuerier } from './head-querier.js';
export { MemSeries } from './mem-series.js';
export type { SampleLog } from './sample-log.js';
