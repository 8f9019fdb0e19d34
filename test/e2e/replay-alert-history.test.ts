import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAlertEvent, REPLAYED_HEADER, type AlertEvent } from '../../pipeline/alert/rules/index.js';
import type { BusRecord } from '../../pipeline/bus/bus.js';
import { KafkaBus } from '../../pipeline/bus/kafka/index.js';
import { openReplayOutputs } from '../../ops/cli/replay-outputs.js';
import { runRuleReplay } from '../../ops/replay/rule-replay-run.js';
import { freePort, mockKafkaBusSettings, startKafkaMock, startRedis, type KafkaMock, type RedisService } from '../harness/index.js';
import { RecordCollector } from '../harness/record-collector.js';
import { WebhookSink } from '../integration/alert/webhook-sink.js';
import { RoleProcess } from '../system/role-process.js';
import { runCli, waitFor } from './cli-process.js';
import { instant, until } from './query-answers.js';

const MIN = 60_000;
const PARTITIONS = 4;
/** An hour of history, an hour and a half ago: rh_load of instance a is high from minute 20 to 40. */
const BASE = Math.floor((Date.now() - 90 * MIN) / MIN) * MIN;
const FROM = BASE;
const TO = BASE + 60 * MIN;

const rules = (alertname: string): string => `groups:
  - name: replayed
    interval: 1m
    rules:
      - alert: ${alertname}
        expr: rh_load > 10
        for: 2m
        labels: { severity: page }
        annotations: { summary: 'load of {{ $labels.instance }} is {{ $value }}' }
`;

/** The state changes of instance a, as `at-minute:previous->state`. */
const EXPECTED = ['20:inactive->pending', '22:pending->firing', '40:firing->inactive'];
const summary = (es: readonly AlertEvent[]): string[] => es.map((e) => `${(e.at - BASE) / MIN}:${e.previous}->${e.state}`);

describe('tidemark replay --rules on the distributed roles', () => {
  let dir: string;
  let kafka: KafkaMock;
  let redis: RedisService;
  let sink: WebhookSink;
  let store: RoleProcess;
  let query: RoleProcess;
  let notify: RoleProcess;
  let configFile: string;
  let bus: KafkaBus;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-replay-alerts-'));
    const logDir = join(dir, 'logs');
    await mkdir(logDir);
    [kafka, redis, sink] = await Promise.all([
      startKafkaMock({ initialTopics: { 'tidemark.samples': PARTITIONS, 'tidemark.aggregates': PARTITIONS, 'tidemark.alerts': 1, 'tidemark.deadletter': 1 } }),
      startRedis(),
      WebhookSink.start(),
    ]);
    bus = new KafkaBus(mockKafkaBusSettings(kafka.bootstrap.split(',')));
    const [pStore, pQuery, pNotify] = await Promise.all([freePort(), freePort(), freePort()]);
    configFile = join(dir, 'tidemark.yml');
    await writeFile(join(dir, 'alertmanager.yml'), [
      'route: { receiver: hook, group_by: [alertname], group_wait: 0s, group_interval: 1s, repeat_interval: 1h }',
      `receivers: [{ name: hook, webhook_configs: [{ url: '${sink.url}', send_resolved: true }] }]`,
      '',
    ].join('\n'));
    await writeFile(configFile, [
      'bus:',
      '  type: kafka',
      `  partitions: ${PARTITIONS}`,
      `  kafka: { brokers: [${kafka.bootstrap.split(',').map((b) => `'${b}'`).join(', ')}], consumer: { session_timeout_ms: 4000, heartbeat_interval_ms: 500, rebalance_timeout_ms: 10000 } }`,
      'alerting:',
      `  alertmanager_config_file: ${join(dir, 'alertmanager.yml')}`,
      `  alertmanagers: [{ static_configs: [{ targets: ['127.0.0.1:${pNotify}'] }] }]`,
      '',
    ].join('\n'));
    const cfg = ['--config', configFile];
    const role = (name: string, port: number, args: string[]) =>
      new RoleProcess({ name, url: `http://127.0.0.1:${port}`, args: [...args, '--listen', `127.0.0.1:${port}`] }, logDir);
    store = role('store', pStore, ['store', ...cfg, '--kafka', kafka.bootstrap, '--redis', redis.url, '--data', join(dir, 'store')]);
    query = role('query', pQuery, ['query', ...cfg, '--redis', redis.url]);
    notify = role('notify', pNotify, ['notify', ...cfg, '--redis', redis.url]);
    await Promise.all([store.start(120_000), query.start(), notify.start()]);

    // The history, straight to the samples topic.
    const lines = ['# TYPE rh_load gauge'];
    for (const instance of ['a', 'b']) {
      for (let t = BASE - 10 * MIN; t <= TO; t += 15_000) {
        const minute = (t - BASE) / MIN;
        lines.push(`rh_load{instance="${instance}"} ${instance === 'a' && minute >= 20 && minute < 40 ? 20 : 1} ${t}`);
      }
    }
    await writeFile(join(dir, 'history.prom'), lines.join('\n') + '\n');
    const imported = await runCli(['import', '--kafka', kafka.bootstrap, '--config', configFile, join(dir, 'history.prom')], { cwd: dir, timeoutMs: 60_000 });
    expect(imported.code, imported.stderr).toBe(0);
    expect(await until(query.url, 'sum(count_over_time(rh_load[2h]))', lines.length - 1, TO)).toBe(lines.length - 1);
    await Promise.all(['quiet.yml', 'loud.yml', 'dry.yml'].map((f, i) => writeFile(join(dir, f), rules(['RhQuiet', 'RhLoud', 'RhDry'][i]!))));
  }, 240_000);

  afterAll(async () => {
    await bus?.close();
    await Promise.all([store?.kill(), query?.kill(), notify?.kill()]);
    await Promise.all([store?.closeLog(), query?.closeLog(), notify?.closeLog()]);
    await kafka?.stop();
    await redis?.stop();
    await sink?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const replay = (file: string, ...extra: string[]) =>
    runCli(['replay', '--rules', join(dir, file), '--from', String(FROM / 1000), '--to', String(TO / 1000), '--url', query.url, '--progress', '1', ...extra], { cwd: dir, timeoutMs: 120_000 });

  /** The records of the alerts topic so far. */
  async function alertRecords(group: string, atLeast: number): Promise<BusRecord[]> {
    const c = new RecordCollector();
    const consumer = await bus.consume({ group, topic: 'tidemark.alerts', fromBeginning: true }, c.handler);
    try {
      await c.waitFor((rs) => rs.length >= atLeast);
    } finally {
      await consumer.stop();
    }
    return c.records;
  }

  it('with --dry-run prints the alert state changes it computed and writes nothing', async () => {
    const r = await replay('dry.yml', '--dry-run');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('alert state changes: 3');
    const at = (minute: number) => new Date(BASE + minute * MIN).toISOString();
    expect(r.stdout).toContain(`${at(20)} {alertname="RhDry",instance="a",severity="page"} inactive -> pending (group replayed)`);
    expect(r.stdout).toContain(`${at(22)} {alertname="RhDry",instance="a",severity="page"} pending -> firing (group replayed)`);
    expect(r.stdout).toContain(`${at(40)} {alertname="RhDry",instance="a",severity="page"} firing -> inactive (group replayed)`);
    expect(await instant(query.url, 'count(count_over_time(ALERTS{alertname="RhDry"}[2h]))', TO)).toBeUndefined();
  }, 120_000);

  it('writes the alert state changes to the alerts topic marked replayed, with ALERTS on the samples topic, and the notifier sends nothing', async () => {
    const r = await replay('quiet.yml', '--kafka', kafka.bootstrap, '--config', configFile);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/wrote \d+ samples, 3 alert state changes to tidemark\.alerts \(marked replayed\)/);
    const finished = r.stderr.split('\n').filter((l) => l.includes('"msg":"replay finished"'));
    expect(finished).toHaveLength(1);
    expect(JSON.parse(finished[0]!)).toMatchObject({ evaluations: 61, total: 61, alert_events: 3 });

    const records = await alertRecords('replay-alerts-quiet', 3);
    expect(records).toHaveLength(3);
    for (const rec of records) expect(rec.headers[REPLAYED_HEADER]?.toString()).toMatch(/\/\d+\/\d{4}-\d\d-\d\dT/);
    const events = records.map((rec) => decodeAlertEvent(rec.value));
    expect(summary(events)).toEqual(EXPECTED);
    expect(events.map((e) => e.rule)).toEqual(['RhQuiet', 'RhQuiet', 'RhQuiet']);
    expect(events[1]).toMatchObject({ group: 'replayed', labels: { alertname: 'RhQuiet', instance: 'a', severity: 'page' }, annotations: { summary: 'load of a is 20' } });
    // As a person reads the history.
    const tail = await runCli(['tail', '--topic', 'tidemark.alerts', '--from', 'earliest', '--limit', '3', '--kafka', kafka.bootstrap], { cwd: dir, timeoutMs: 60_000 });
    expect(tail.code, tail.stderr).toBe(0);
    const changes = tail.stdout.split('\n').filter((l) => l.includes('alert state change'));
    expect(changes).toHaveLength(3);
    expect(changes[1]).toContain(`alert state change: {alertname="RhQuiet", instance="a", severity="page"} pending -> firing at ${new Date(BASE + 22 * MIN).toISOString()} (group replayed, value 20), replayed by `);
    // The recorded ALERTS series went to the samples topic and the store: firing from minute 22 to 39.
    expect(await instant(query.url, 'sum(count_over_time(ALERTS{alertname="RhQuiet",alertstate="firing"}[2h]))', TO)).toBe(18);
  }, 120_000);

  it('with --notify sends the alerts firing at the end of the range to the notifier, which delivers them, and nothing of the replay without it', async () => {
    // Up to minute 30: instance a's alert is still firing at the end.
    const r = await runCli(
      ['replay', '--rules', join(dir, 'loud.yml'), '--from', String(FROM / 1000), '--to', String((BASE + 30 * MIN) / 1000), '--url', query.url, '--kafka', kafka.bootstrap, '--config', configFile, '--notify'],
      { cwd: dir, timeoutMs: 120_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    await waitFor(async () => (sink.requests.some((q) => JSON.stringify(q.body).includes('RhLoud')) ? true : undefined), 60_000);
    // The notifier has had the quiet replay's alerts (if it had any) longer than the loud one's.
    const alerts = sink.requests.flatMap((q) => (q.body as { alerts: { status: string; labels: Record<string, string>; startsAt: string }[] }).alerts);
    expect(new Set(alerts.map((a) => a.labels['alertname']))).toEqual(new Set(['RhLoud']));
    expect(alerts[0]).toMatchObject({ status: 'firing', labels: { instance: 'a' } });
    expect(Date.parse(alerts[0]!.startsAt)).toBe(BASE + 22 * MIN);
    // The loud replay's changes are on the topic too, marked replayed, after the quiet one's.
    const records = await alertRecords('replay-alerts-loud', 5);
    expect(summary(records.slice(3).map((rec) => decodeAlertEvent(rec.value)))).toEqual(EXPECTED.slice(0, 2));
    expect(records.every((rec) => rec.headers[REPLAYED_HEADER] !== undefined)).toBe(true);
  }, 120_000);

  it('with --notify exits 1 naming the notifier that did not take the alerts, and 2 when --config names none', async () => {
    const closed = await freePort();
    const unreachable = join(dir, 'unreachable.yml');
    await writeFile(unreachable, `alerting:\n  alertmanagers: [{ static_configs: [{ targets: ['127.0.0.1:${closed}'] }] }]\n`);
    const to = String((BASE + 30 * MIN) / 1000);
    await writeFile(join(dir, 'unsent.yml'), rules('RhUnsent'));
    const failed = await runCli(
      ['replay', '--rules', join(dir, 'unsent.yml'), '--from', String(FROM / 1000), '--to', to, '--url', query.url, '--kafka', kafka.bootstrap, '--config', unreachable, '--notify'],
      { cwd: dir, timeoutMs: 120_000 },
    );
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stderr).toContain('tidemark replay: --notify: no notifier accepted the alerts');
    expect(failed.stderr).toContain(`127.0.0.1:${closed}/api/v2/alerts`);
    const none = await runCli(['replay', '--rules', join(dir, 'dry.yml'), '--from', String(FROM / 1000), '--to', to, '--url', query.url, '--notify'], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--notify sends to the alerting\.alertmanagers targets of --config FILE/);
  }, 120_000);

  it('counts its progress in tidemark_replay_* metrics on the --listen address', async () => {
    const port = await freePort();
    const outputs = await openReplayOutputs({ notify: false, listen: `127.0.0.1:${port}`, dryRun: true });
    try {
      const r = await runRuleReplay(
        {
          ...outputs.options, url: query.url, ruleFiles: [join(dir, 'dry.yml')], fromMs: FROM, toMs: TO, dryRun: true,
          evaluationIntervalMs: MIN, maxPointsPerQuery: 20, progressIntervalMs: 1000, settleTimeoutMs: 10_000,
        },
        () => {},
      );
      expect(r.evaluations).toBe(61);
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
      expect(value('tidemark_replay_evaluations_total')).toBe(61);
      expect(value('tidemark_replay_evaluations_done')).toBe(61);
      expect(value('tidemark_replay_finished')).toBe(1);
      expect(value('tidemark_replay_alert_events_total')).toBe(3);
      expect(value('tidemark_replay_samples_read_total')).toBe(r.samplesRead);
      expect(value('tidemark_replay_samples_written_total')).toBe(r.samplesWritten);
      expect(r.samplesWritten).toBeGreaterThan(0);
    } finally {
      await outputs.close();
    }
  }, 60_000);
});
