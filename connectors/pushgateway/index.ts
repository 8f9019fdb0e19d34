export {
  defaultPushgatewayConfig,
  labelRuleSchema,
  pushgatewayConfigSchema,
  type LabelRuleConfig,
  type PushgatewayConfig,
  type PushgatewayConfigInput,
} from './config.js';
export { GroupingKeyError, InconsistentPushError, PersistenceError } from './errors.js';
export { createPushgatewayConnector, pushgatewayFactory, type PushgatewayConnector } from './factory.js';
export { encodeBase64Segment, parseGroupingKey } from './grouping-key.js';
export { Pushgateway, type PushgatewayRoute, type PushgatewaySettings } from './pushgateway.js';
