export { BusSampleSink, type BusSampleSinkSettings } from './bus-sample-sink.js';
export { WatermarkPublisher, type WatermarkPublisherSettings, type OpenWork } from './watermark-publisher.js';
export { watermarksConfigSchema, type WatermarksConfig } from './config.js';
export { BusMetadataSink, type BusMetadataSinkSettings } from './bus-metadata-sink.js';
export { BusExemplarSink, type BusExemplarSinkSettings } from './bus-exemplar-sink.js';
