export { tidemarkConfigSchema, duration, type TidemarkConfig, type TidemarkConfigInput } from './config-schema.js';
export { loadConfig, loadConfigWithText, parseConfig, defaultConfig, type ConfigOverrides } from './load-config.js';
export { ConfigError, formatProblem, type ConfigProblem } from './errors.js';
export { shownConfigYaml } from './shown-config.js';
