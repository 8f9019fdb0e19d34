export { defaultInfluxConfig, influxConfigSchema, type InfluxConfig } from './config.js';
export { LineProtocolError } from './errors.js';
export { createInfluxConnector, influxFactory, type InfluxSettings } from './factory.js';
export { InfluxHandler } from './handler.js';
export { parseLine, parsePrecision, timestampToMs, type LinePoint, type Precision } from './line-parser.js';
export { PointMapper } from './point-mapper.js';
