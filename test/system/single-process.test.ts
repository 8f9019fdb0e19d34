import { afterAll, beforeAll, describe, it } from 'vitest';
import { startSingle, type Deployment } from './deployment.js';
import {
  alertFanOut,
  flinkPushgateway,
  prometheusHaPairs,
  readmeOperatorCommands,
  storeKilledUnderIngest,
  storeRebuiltFromBus,
} from './scenarios.js';
import { withRoleLogs } from './with-role-logs.js';

// The same scenarios against the single-process deployment on the embedded bus; the fault
// scenarios kill and restart the whole process, alert state is its own (one notifier).
describe('one tidemark up process', () => {
  let d: Deployment;
  beforeAll(async () => {
    d = await startSingle();
  }, 180_000);
  afterAll(async () => {
    await d?.stop();
  }, 60_000);

  it('serves what Flink task managers push through the Pushgateway API, instant and range; a deleted group goes stale', () =>
    withRoleLogs(d, flinkPushgateway), 60_000);

  it('keeps one replica of each Prometheus HA pair and fails over when the elected one is killed', () =>
    withRoleLogs(d, prometheusHaPairs), 120_000);

  it('sends one webhook notification per alert change and resolves once', () =>
    withRoleLogs(d, alertFanOut), 120_000);

  it('runs the README operator commands: check config, reload, delete_series', () =>
    withRoleLogs(d, readmeOperatorCommands), 60_000);

  it('is SIGKILLed under ingest and restarted, and afterwards holds every acknowledged sample exactly once', () =>
    withRoleLogs(d, storeKilledUnderIngest), 420_000);

  it('rebuilds its deleted TSDB directory from the embedded bus, answering as before', () =>
    withRoleLogs(d, storeRebuiltFromBus), 300_000);
});
