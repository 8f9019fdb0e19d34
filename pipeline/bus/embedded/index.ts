export { EmbeddedBus } from './embedded-bus.js';
export { embeddedBusConfigSchema, type EmbeddedBusConfig, type EmbeddedBusSettings, type BusLogger } from './config.js';
export {
  EmbeddedBusError,
  UnknownTopicError,
  InvalidTopicNameError,
  PartitionOutOfRangeError,
  InvalidArgumentError,
  BusClosedError,
  LogWriteError,
  CorruptLogError,
  DataDirLockedError,
  GroupActiveError,
  NotAssignedError,
} from './errors.js';
