export { EdgeAuth, type QueryCredentials } from './auth.js';
export {
  byteSize,
  defaultEdgeLimits,
  edgeAuthConfigSchema,
  edgeLimitsConfigSchema,
  type EdgeAuthConfig,
  type EdgeLimitsConfig,
} from './config.js';
export {
  contentEncoding,
  decodeBody,
  gunzipLimited,
  snappyDecodedLength,
  snappyUncompress,
  withSnappyBody,
  type GrowingBody,
} from './decompress.js';
export {
  EdgeError,
  InvalidPushError,
  LimitExceededError,
  MethodNotAllowedError,
  OverloadedError,
  PayloadTooLargeError,
  SinkUnavailableError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  type EdgeErrorLocation,
} from './errors.js';
export { httpErrorAnswer, sendHttpError, type HttpErrorAnswer } from './http-errors.js';
export { LagBackpressure, type Backpressure, type LagBackpressureSettings } from './lag-backpressure.js';
export { EdgeMetrics } from './metrics.js';
export {
  PushEdge,
  SampleTally,
  type HttpHandler,
  type PushAnswer,
  type PushEdgeSettings,
  type PushRequest,
} from './push-edge.js';
export { readBody } from './read-body.js';
export { SeriesLimits } from './series-limits.js';
export type { ConnectorRoute, PushConnector } from './push-connector.js';
