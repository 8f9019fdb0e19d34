export { VictoriaMetricsPeer } from './victoria-metrics.js';
export { PrometheusPeer, promtoolBlockBytes } from './prometheus.js';
export { encodeWriteRequest, type RwSeries } from './remote-write-encoder.js';
export { cpuMs, dirBytes, freePort, PeerProcess, rssBytes, tempDir } from './peer-process.js';
export { victoriaMetricsWriteRate } from './victoria-metrics-write.js';
