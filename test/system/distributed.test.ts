import { afterAll, beforeAll, describe, it } from 'vitest';
import { startDistributed, type Deployment } from './deployment.js';
import {
  alertFanOut,
  flinkPushgateway,
  prometheusHaPairs,
  readmeOperatorCommands,
  storeKilledUnderIngest,
  storeRebuiltFromBus,
} from './scenarios.js';
import { withRoleLogs } from './with-role-logs.js';

// One process per role, as the README runs them: 1 ingest, 2 stores, 1 query, 1 rules, 2 notify,
// on a Kafka-protocol cluster and Redis. The scenarios share the deployment and run in order.
describe('the distributed deployment (one process per role)', () => {
  let d: Deployment;
  beforeAll(async () => {
    d = await startDistributed();
  }, 300_000);
  afterAll(async () => {
    await d?.stop();
  }, 60_000);

  it('serves what Flink task managers push through the Pushgateway API, instant and range; a deleted group goes stale', () =>
    withRoleLogs(d, flinkPushgateway), 60_000);

  it('keeps one replica of each Prometheus HA pair and fails over when the elected one is killed', () =>
    withRoleLogs(d, prometheusHaPairs), 120_000);

  it('sends one webhook notification per alert change across two notifier replicas, also after the sender is killed', () =>
    withRoleLogs(d, alertFanOut), 120_000);

  it('runs the README operator commands: check config, tail, reload, delete_series', () =>
    withRoleLogs(d, readmeOperatorCommands), 60_000);

  it('answers partially while a store is killed under ingest, and afterwards holds every acknowledged sample exactly once', () =>
    withRoleLogs(d, storeKilledUnderIngest), 420_000);

  it('rebuilds a store whose data directory was deleted from the bus, answering as before', () =>
    withRoleLogs(d, storeRebuiltFromBus), 300_000);
});
