export { otlpConfigSchema, type OtlpConfig } from './config.js';
export { createOtlpConnector, type OtlpSettings } from './factory.js';
export { translateOtlp, promMetricName, promLabelName, type TranslatedOtlp, type OtlpSample } from './translate.js';
