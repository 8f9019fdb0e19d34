export { KafkaBus } from './kafka-bus.js';
export type { KafkaBusSettings } from './kafka-bus-settings.js';
export { KafkaBusError, isRetryableKafkaError } from './errors.js';
export type { KafkaBusErrorCode } from './errors.js';
