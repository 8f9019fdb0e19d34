import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Deployment } from './deployment.js';
import {
  alertFanOut,
  flinkPushgateway,
  importHistory,
  prometheusHaPairs,
  readmeOperatorCommands,
  readYourWrites,
  storeKilledUnderIngest,
  storeRebuiltFromBus,
} from './scenarios.js';
import { withRoleLogs } from './with-role-logs.js';

/** How one deployment names the scenarios whose meaning differs with its shape. */
export interface ScenarioNames {
  readonly alerts: string;
  readonly commands: string;
  readonly killed: string;
  readonly rebuilt: string;
}

/** Every scenario against one deployment, started once; the scenarios run in order. */
export function describeScenarios(title: string, start: () => Promise<Deployment>, startTimeoutMs: number, names: ScenarioNames): void {
  describe(title, () => {
    let d: Deployment;
    beforeAll(async () => {
      d = await start();
    }, startTimeoutMs);
    afterAll(async () => {
      await d?.stop();
    }, 60_000);

    it('serves what Flink task managers push through the Pushgateway API, instant and range; a deleted group goes stale', () =>
      withRoleLogs(d, flinkPushgateway), 60_000);

    it('keeps one replica of each Prometheus HA pair and fails over when the elected one is killed', () =>
      withRoleLogs(d, prometheusHaPairs), 120_000);

    it(names.alerts, () => withRoleLogs(d, alertFanOut), 120_000);

    it(names.commands, () => withRoleLogs(d, readmeOperatorCommands), 60_000);

    it('imports history with tidemark import through the ingest endpoint and reads it back through the query API, once', () =>
      withRoleLogs(d, importHistory), 60_000);

    it('answers a read carrying a write token with the write, and a strong read waits for paused stores to resume', () =>
      withRoleLogs(d, readYourWrites), 120_000);

    it(names.killed, () => withRoleLogs(d, storeKilledUnderIngest), 420_000);

    it(names.rebuilt, () => withRoleLogs(d, storeRebuiltFromBus), 300_000);
  });
}
