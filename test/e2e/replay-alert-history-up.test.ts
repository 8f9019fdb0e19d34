import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snappyBlockCompress } from '../../schemas/snappy-block.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWriteRequest, type RwSeries } from '../bench/peers/remote-write-encoder.js';
import { WebhookSink } from '../integration/alert/webhook-sink.js';
import { runCli, startCli, type CliResult, type RunningCli } from './cli-process.js';
import { instant, until } from './query-answers.js';

const MIN = 60_000;
const TOKEN = 'replay-writes';
/** An hour of history, an hour and a half ago: rh_load of instance a is high from minute 20 to 40. */
const BASE = Math.floor((Date.now() - 90 * MIN) / MIN) * MIN;
const FROM = BASE;
const TO = BASE + 60 * MIN;

const RULES = `groups:
  - name: replayed
    interval: 1m
    rules:
      - alert: RhUp
        expr: rh_load > 10
        for: 2m
        labels: { severity: page }
        annotations: { summary: 'load of {{ $labels.instance }} is {{ $value }}' }
`;

function history(): RwSeries[] {
  const timestamps: number[] = [];
  for (let t = BASE - 10 * MIN; t <= TO; t += 15_000) timestamps.push(t);
  return ['a', 'b'].map((instance) => ({
    labels: { __name__: 'rh_load', instance },
    timestamps,
    values: timestamps.map((t) => (instance === 'a' && t >= BASE + 20 * MIN && t < BASE + 40 * MIN ? 20 : 1)),
    from: 0,
    to: timestamps.length,
  }));
}

/**
 * `tidemark up` holds its embedded bus locked, so a replay against it cannot write the alerts
 * topic itself: it hands the alert state changes to up's HTTP API, which appends them marked
 * replayed. Read back with `tidemark tail` once up has stopped.
 */
describe('tidemark replay --rules against tidemark up', () => {
  let dir: string;
  let hook: WebhookSink;
  let up: RunningCli;
  let replayed: CliResult;
  let tail: CliResult;
  let upExit: number | null;
  let alertsOfNotifier: unknown[];
  let firingSamples: number | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-replay-up-'));
    hook = await WebhookSink.start();
    await writeFile(join(dir, 'alertmanager.yml'), [
      'route: { receiver: hook, group_by: [alertname], group_wait: 0s, group_interval: 1s, repeat_interval: 1h }',
      `receivers: [{ name: hook, webhook_configs: [{ url: '${hook.url}', send_resolved: true }] }]`,
      '',
    ].join('\n'));
    await writeFile(join(dir, 'tidemark.yml'), [
      'alerting:',
      '  alertmanager_config_file: alertmanager.yml',
      'ingest:',
      `  remote_write: { auth: { bearer_token: ${TOKEN} } }`,
      '',
    ].join('\n'));
    await writeFile(join(dir, 'rules.yml'), RULES);
    up = await startCli(['up', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'data')], { cwd: dir });

    const data = history();
    const body = snappyBlockCompress(encodeWriteRequest(data));
    const res = await fetch(`${up.url}/api/v1/write`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
      body,
    });
    expect(res.status, await res.text()).toBe(204);
    const samples = data.length * data[0]!.timestamps.length;
    expect(await until(up.url, 'sum(count_over_time(rh_load[2h]))', samples, TO)).toBe(samples);

    replayed = await runCli(
      ['replay', '--rules', join(dir, 'rules.yml'), '--from', String(FROM / 1000), '--to', String(TO / 1000), '--url', up.url, '--bearer-token', TOKEN, '--progress', '1'],
      { cwd: dir, timeoutMs: 120_000 },
    );
    firingSamples = await instant(up.url, 'count_over_time(ALERTS{alertname="RhUp",alertstate="firing"}[2h])', TO);
    alertsOfNotifier = (await (await fetch(`${up.url}/api/v2/alerts`)).json()) as unknown[];
    upExit = await up.stop();
    tail = await runCli(['tail', '--topic', 'tidemark.alerts', '--from', 'earliest', '--to-end', '--data', join(dir, 'data')], { cwd: dir, timeoutMs: 60_000 });
  }, 240_000);

  afterAll(async () => {
    if (up !== undefined && up.child.exitCode === null) await up.stop();
    await hook?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('sends the alert state changes to the running tidemark up, which takes them', () => {
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(replayed.stdout).toMatch(/wrote \d+ samples, 3 alert state changes to its alert history \(marked replayed\)/);
    expect(JSON.parse(replayed.stderr.split('\n').find((l) => l.includes('"msg":"replay finished"'))!)).toMatchObject({ evaluations: 61, alert_events: 3 });
  });

  it('puts them on the alerts topic of tidemark up, each marked replayed by the run', () => {
    expect(upExit).toBe(0);
    expect(tail.code, tail.stderr).toBe(0);
    const changes = tail.stdout.split('\n').filter((l) => l.includes('alert state change:'));
    const at = (minute: number) => new Date(BASE + minute * MIN).toISOString();
    const alert = '{alertname="RhUp", instance="a", severity="page"}';
    expect(changes.map((l) => /alert state change: (.*) \(group/.exec(l)?.[1])).toEqual([
      `${alert} inactive -> pending at ${at(20)}`,
      `${alert} pending -> firing at ${at(22)}`,
      `${alert} firing -> inactive at ${at(40)}`,
    ]);
    for (const l of changes) expect(l).toMatch(/\(group replayed, value \S+\), replayed by [^/\s]+\/\d+\/\d{4}-\d\d-\d\dT[\d:.]+Z$/);
  });

  it('writes ALERTS beside them: firing from minute 22 to 39', () => {
    expect(firingSamples).toBe(18);
  });

  it('never hands a replayed alert to the notifier or its receivers', () => {
    expect(alertsOfNotifier).toEqual([]);
    expect(hook.requests).toEqual([]);
  });
});
