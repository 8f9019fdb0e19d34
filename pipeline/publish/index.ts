export { BusSampleSink, type BusSampleSinkSettings } from './bus-sample-sink.js';
