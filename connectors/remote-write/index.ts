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
  WriteRequestReader,
  type DecodedSeries,
  type DecodedWriteRequest,
  type NameValidationScheme,
} from './write-request-reader.js';
