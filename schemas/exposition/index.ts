export { ExpositionParseError, type ExpositionFormat, type ScrapeFormat } from './errors.js';
export type { Entry, Exemplar, MetricType, Parser } from './parser.js';
export { PromTextParser } from './prom-text.js';
export { OpenMetricsParser } from './openmetrics.js';
export { formatOpenMetricsFloat, PROMETHEUS_PROTOBUF_CONTENT_TYPE, ProtobufParser, type ProtobufParserOptions } from './protobuf.js';
export { prefersDelimitedProtobuf, protoLabelPairs, writeDelimitedProtobuf, type ProtoFamilyOut, type ProtoMetricOut } from './protobuf-writer.js';
export {
  createParser,
  decodeUtf8,
  parseExposition,
  type ExpositionFamily,
  type ExpositionSample,
  type ParsedExposition,
  type ParseExpositionOptions,
} from './parse-exposition.js';
export {
  escapeLabelValue,
  formatValue,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_TEXT_CONTENT_TYPE,
  quoteName,
  writeText,
  type WritableFamily,
  type WritableSample,
  type WriteTextOptions,
} from './write-text.js';
export { checkMetrics, lintFamilies, type CheckMetricsOptions, type CheckMetricsResult, type LintProblem } from './check-metrics.js';
export { escapeExposedName, escapeLabels, escapeName, NAME_ESCAPING_SCHEMES, negotiateEscaping, type NameEscapingScheme } from './name-escaping.js';
export { keepStringMethodsFast } from './fast-string-methods.js';
