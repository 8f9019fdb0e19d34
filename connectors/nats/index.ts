export {
  defaultNatsConfig,
  natsConfigSchema,
  natsInputSchema,
  natsOutputSchema,
  type NatsConfig,
  type NatsConfigInput,
  type NatsInputConfig,
  type NatsOutputConfig,
} from './config.js';
export { NatsMessageError, NatsSetupError } from './errors.js';
export { createNatsConnector, createNatsOutputSink, natsFactory, type NatsConnector, type NatsSettings } from './factory.js';
export { MessageDecoder, type DecodedSample, type InboundMessage } from './message-decoder.js';
export { DEAD_LETTER_REASON_HEADER, DEAD_LETTER_SUBJECT_HEADER, NatsBridge, type NatsBridgeSettings } from './nats-bridge.js';
export { NatsSampleSink, type NatsSampleSinkSettings } from './nats-sample-sink.js';
