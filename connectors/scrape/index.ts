export {
  checkScrapeConfig,
  DEFAULT_NATIVE_HISTOGRAM_SCRAPE_PROTOCOLS,
  DEFAULT_SCRAPE_PROTOCOLS,
  fileSdConfigSchema,
  httpSdConfigSchema,
  metricNameEscapingSchemeSchema,
  metricNameValidationSchemeSchema,
  parseBase2Bytes,
  resolveScrapeConfig,
  scrapeConfigSchema,
  scrapeProtocolsSchema,
  SCRAPE_PROTOCOLS,
  staticConfigSchema,
  type ResolvedScrapeConfig,
  type ScrapeConfig,
  type ScrapeConfigInput,
  type MetricNameEscapingScheme,
  type ScrapeConfigIssue,
  type ScrapeGlobalConfig,
  type ScrapeManagerConfig,
  type ScrapeProtocol,
} from './config.js';
export { relabelConfigSchema, RELABEL_ACTIONS, type RelabelAction, type RelabelConfig } from './relabel-config.js';
export { tlsConfigSchema, type HttpClientConfig, type TlsConfig } from './http-client-config.js';
export { compileRelabelRules, relabel, type RelabelRule } from './relabel.js';
export { DiscoveryError, ScrapeError, TargetLabelsError, type ScrapeFailureKind } from './errors.js';
export { populateTargetLabels, targetUrl, type PopulatedTarget } from './target-labels.js';
export { Target, EXTRA_REPORT_METRICS, REPORT_METRICS, type TargetHealth } from './target.js';
export { ScrapeLoop, type FetchPage, type ScrapeLoopSettings, type ScrapeOutcome } from './scrape-loop.js';
export { ScrapePool, type ScrapePoolSettings } from './scrape-pool.js';
export { ScrapeManager, parseShard, type DroppedTarget, type ScrapeManagerSettings } from './scrape-manager.js';
export { createTargetsApi, type TargetsApiOptions, type TargetsHandler } from './targets-api.js';
export { acceptHeader, SCRAPE_ACCEPT_HEADER } from './http-scraper.js';
export type { TargetGroup, Discoverer } from './discovery.js';
export { globToRegExp } from './path-glob.js';
