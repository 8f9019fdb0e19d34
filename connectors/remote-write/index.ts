export {
  defaultRemoteWriteConfig,
  haConfigSchema,
  remoteWriteConfigSchema,
  type HaConfig,
  type RemoteWriteConfig,
} from './config.js';
export { HaElectionError, WriteRequestDecodeError } from './errors.js';
export {
  createRemoteWriteConnector,
  remoteWriteFactory,
  type RemoteWriteSettings,
} from './factory.js';
export { MemoryHaElector, RedisHaElector, type HaElector, type HaElectorTiming } from './ha-elector.js';
export { RemoteWriteHandler, type RemoteWriteHandlerDeps } from './handler.js';
export {
  DecodedWriteRequest,
  type DecodedExemplar,
  type DecodedSeries,
  type SeriesProblem,
} from './decoded-write-request.js';
export { WriteRequestReader, type NameValidationScheme } from './write-request-reader.js';
