import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { WebhookSink } from '../../../test/integration/alert/webhook-sink.js';
import type { Alert } from './alert.js';
import { ManualClock } from './clock.js';
import { parseAlertmanagerConfig } from './config/index.js';
import { Dispatcher } from './dispatcher.js';
import { alertFingerprint } from './fingerprint.js';
import { MemoryStateStore } from './memory-state-store.js';
import { parseMatchers } from './matcher-parse.js';

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0); // a Monday, 12:00 UTC
const S = 1000;
const M = 60 * S;

let sink: WebhookSink;
beforeAll(async () => { sink = await WebhookSink.start(); });
afterAll(async () => { await sink.close(); });
beforeEach(() => { sink.requests.length = 0; sink.respond = () => 200; });

function config(extra = '', receiverExtra = '') {
  const text = `
route:
  receiver: sink
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
${extra}
receivers:
- name: sink
  webhook_configs:
  - url: ${sink.url}
${receiverExtra}
`;
  const r = parseAlertmanagerConfig(text);
  if (r.config === undefined) throw new Error(r.errors.map((e) => e.message).join('; '));
  return r.config;
}

function setup(extra = '', receiverExtra = '') {
  const clock = new ManualClock(T0);
  const store = new MemoryStateStore(() => clock.now());
  const d = new Dispatcher(config(extra, receiverExtra), { store, clock, retry: { initialMs: 1, maxMs: 2, maxAttempts: 3, maxElapsedMs: 1000 } });
  return { clock, store, d };
}

function alert(clock: ManualClock, labels: Record<string, string>, o: { startsAt?: number; endsAt?: number } = {}): Alert {
  const now = clock.now();
  return {
    fingerprint: alertFingerprint(labels), labels, annotations: { summary: `s ${labels.instance ?? ''}` },
    startsAt: o.startsAt ?? now, endsAt: o.endsAt ?? now + 5 * M, generatorURL: '', updatedAt: now, timeout: o.endsAt === undefined,
  };
}

const sent = () => sink.requests.map((r) => ({
  status: r.body.status,
  reason: r.body.notification_reason,
  alerts: r.body.alerts.map((a: any) => `${a.labels.instance}:${a.status}`),
}));

describe('Dispatcher timings', () => {
  it('holds a new group for group_wait and then sends every alert that arrived meanwhile in one notification', async () => {
    const { clock, d } = setup();
    await d.putAlerts([alert(clock, { alertname: 'A', instance: 'i1' })]);
    clock.advance(10 * S);
    await d.putAlerts([alert(clock, { alertname: 'A', instance: 'i2' })]);
    clock.advance(19 * S);
    expect(await d.tick()).toBe(0);
    expect(sink.requests).toHaveLength(0);
    clock.advance(1 * S);
    await d.tick();
    expect(sent()).toEqual([{ status: 'firing', reason: 'first notification', alerts: ['i1:firing', 'i2:firing'] }]);
    expect(sink.requests[0]!.body.groupKey).toBe('{}:{alertname="A"}');
  });

  it('sends an update with new alerts only at the next group_interval', async () => {
    const { clock, d } = setup();
    await d.putAlerts([alert(clock, { alertname: 'A', instance: 'i1' }, { endsAt: T0 + 3600 * S })]);
    clock.advance(30 * S);
    await d.tick();
    clock.advance(1 * M);
    await d.putAlerts([alert(clock, { alertname: 'A', instance: 'i2' })]);
    await d.tick();
    expect(sink.requests).toHaveLength(1);
    clock.advance(4 * M);
    await d.tick();
    expect(sent()[1]).toEqual({ status: 'firing', reason: 'new alerts added', alerts: ['i1:firing', 'i2:firing'] });
  });

  it('repeats an unchanged group only once repeat_interval has passed', async () => {
    const { clock, d } = setup();
    const a = () => alert(clock, { alertname: 'A', instance: 'i1' }, { startsAt: T0, endsAt: clock.now() + 10 * M });
    await d.putAlerts([a()]);
    clock.advance(30 * S);
    await d.tick();
    // The log entry is exactly repeat_interval old at 4h30s, not older: the repeat goes out at the tick after.
    for (let t = 0; t < 48; t++) {
      clock.advance(5 * M);
      await d.putAlerts([a()]);
      await d.tick();
    }
    expect(sink.requests).toHaveLength(1);
    clock.advance(5 * M);
    await d.putAlerts([a()]);
    await d.tick();
    expect(sent().map((s) => s.reason)).toEqual(['first notification', 'repeat interval elapsed']);
  });

  it('flushes at once when the alert started longer than group_wait ago', async () => {
    const { clock, d } = setup();
    await d.putAlerts([alert(clock, { alertname: 'A', instance: 'old' }, { startsAt: T0 - 10 * M })]);
    await d.tick();
    expect(sent()).toEqual([{ status: 'firing', reason: 'first notification', alerts: ['old:firing'] }]);
  });

  it('sends resolved alerts with send_resolved and then drops the empty group', async () => {
    const { clock, d, store } = setup();
    await d.putAlerts([alert(clock, { alertname: 'A', instance: 'i1' }), alert(clock, { alertname: 'A', instance: 'i2' }, { endsAt: T0 + 8 * M })]);
    clock.advance(30 * S);
    await d.tick();
    clock.advance(1 * M);
    await d.putAlerts([alert(clock, { alertname: 'A', instance: 'i1' }, { startsAt: T0, endsAt: clock.now() })]);
    clock.advance(4 * M);
    await d.tick();
    expect(sent()[1]).toEqual({ status: 'firing', reason: 'some alerts resolved', alerts: ['i1:resolved', 'i2:firing'] });
    expect(sink.requests[1]!.body.alerts[0].endsAt).not.toBe('0001-01-01T00:00:00Z');
    expect(sink.requests[1]!.body.alerts[1].endsAt).toBe('0001-01-01T00:00:00Z');
    // i2 reaches its endsAt without being re-sent.
    clock.advance(5 * M);
    await d.tick();
    expect(sent()[2]).toEqual({ status: 'resolved', reason: 'all alerts resolved', alerts: ['i2:resolved'] });
    expect(await store.listGroups()).toHaveLength(0);
    clock.advance(5 * M);
    await d.tick();
    expect(sink.requests).toHaveLength(3);
  });

  it('does not send resolutions without send_resolved, and a new firing alert is a first notification again', async () => {
    const { clock, d } = setup('', '    send_resolved: false');
    await d.putAlerts([alert(clock, { alertname: 'A', instance: 'i1' })]);
    clock.advance(30 * S);
    await d.tick();
    await d.putAlerts([alert(clock, { alertname: 'A', instance: 'i1' }, { startsAt: T0, endsAt: clock.now() })]);
    clock.advance(5 * M);
    await d.tick();
    expect(sink.requests).toHaveLength(1);
    await d.putAlerts([alert(clock, { alertname: 'A', instance: 'i3' })]);
    clock.advance(30 * S);
    await d.tick();
    expect(sent().map((s) => s.reason)).toEqual(['first notification', 'first notification']);
  });
});

describe('Dispatcher mute stage', () => {
  it('applies a silence at send time, and sends the alert once the silence is expired', async () => {
    const { clock, d, store } = setup();
    await d.putAlerts([alert(clock, { alertname: 'A', instance: 'i1' }, { endsAt: T0 + 4 * 3600 * S })]);
    await store.putSilence({ id: 's1', matchers: parseMatchers('{instance="i1"}'), startsAt: T0, endsAt: T0 + 6 * M, createdBy: 't', comment: '' });
    clock.advance(30 * S);
    await d.tick();
    expect(sink.requests).toHaveLength(0);
    clock.advance(5 * M);
    await d.tick();
    clock.advance(5 * M);
    await d.tick();
    expect(sent()).toEqual([{ status: 'firing', reason: 'first notification', alerts: ['i1:firing'] }]);
  });

  it('mutes a target alert while an inhibiting source alert fires with equal labels', async () => {
    const { clock, d } = setup(`inhibit_rules:
- source_matchers: [severity="critical"]
  target_matchers: [severity="warning"]
  equal: [instance]`);
    await d.putAlerts([
      alert(clock, { alertname: 'Crit', severity: 'critical', instance: 'i1' }),
      alert(clock, { alertname: 'Warn', severity: 'warning', instance: 'i1' }),
      alert(clock, { alertname: 'Warn', severity: 'warning', instance: 'i2' }),
    ]);
    clock.advance(30 * S);
    await d.tick();
    const byGroup = Object.fromEntries(sink.requests.map((r) => [r.body.groupLabels.alertname, r.body.alerts.map((a: any) => a.labels.instance)]));
    expect(byGroup).toEqual({ Crit: ['i1'], Warn: ['i2'] });
  });

  it('sends nothing inside a mute time interval and sends after it ends', async () => {
    const { clock, d } = setup(`  routes:
  - matchers: [team="db"]
    mute_time_intervals: [lunch]
time_intervals:
- name: lunch
  time_intervals:
  - times: [{start_time: '12:00', end_time: '13:00'}]`);
    await d.putAlerts([alert(clock, { alertname: 'A', team: 'db', instance: 'i1' }, { endsAt: T0 + 4 * 3600 * S })]);
    clock.advance(30 * S);
    await d.tick();
    for (let i = 0; i < 11; i++) { clock.advance(5 * M); await d.tick(); }
    expect(sink.requests).toHaveLength(0);
    clock.advance(5 * M);
    await d.tick();
    expect(sent()).toEqual([{ status: 'firing', reason: 'first notification', alerts: ['i1:firing'] }]);
  });
});

describe('Dispatcher reload', () => {
  it('moves the alerts of a group whose route disappeared to the new routing tree', async () => {
    const { clock, d, store } = setup(`  routes:
  - matchers: [team="db"]
    group_by: [instance]`);
    await d.putAlerts([alert(clock, { alertname: 'A', team: 'db', instance: 'i1' }, { endsAt: T0 + 3600 * S })]);
    expect((await store.listGroups()).map((g) => g.meta.groupKey)).toEqual(['{}/{team="db"}:{instance="i1"}']);
    d.applyConfig(config());
    clock.advance(30 * S);
    await d.tick();
    expect(sink.requests).toHaveLength(0);
    expect((await store.listGroups()).map((g) => g.meta.groupKey)).toEqual(['{}:{alertname="A"}']);
    clock.advance(30 * S);
    await d.tick();
    expect(sink.requests.map((r) => r.body.groupKey)).toEqual(['{}:{alertname="A"}']);
  });
});

describe('Dispatcher delivery', () => {
  it('retries a retryable failure and delivers once', async () => {
    const { clock, d } = setup();
    let calls = 0;
    sink.respond = () => (++calls <= 2 ? 503 : 200);
    await d.putAlerts([alert(clock, { alertname: 'A', instance: 'i1' })]);
    clock.advance(30 * S);
    await d.tick();
    expect(calls).toBe(3);
    expect(sink.requests).toHaveLength(1);
  });

  it('records a notification it cannot deliver and tries it again at the next flush', async () => {
    const { clock, d, store } = setup();
    sink.respond = () => 400;
    await d.putAlerts([alert(clock, { alertname: 'A', instance: 'i1' }, { endsAt: T0 + 3600 * S })]);
    clock.advance(30 * S);
    await d.tick();
    const failures = await store.listFailures(10);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ groupKey: '{}:{alertname="A"}', integration: 'sink/webhook/0', attempts: 1 });
    expect(failures[0]!.error).toContain('400');
    const metric = await d.metrics.notificationsFailed.get();
    expect(metric.values.find((v) => v.labels.integration === 'webhook')?.value).toBeGreaterThanOrEqual(1);
    sink.respond = () => 200;
    clock.advance(5 * M);
    await d.tick();
    expect(sent()).toEqual([{ status: 'firing', reason: 'first notification', alerts: ['i1:firing'] }]);
  });

  it('leaves a delivery cut off by shutdown pending, and the next holder delivers it once', async () => {
    let hung = 0;
    const hanging = createServer(() => { hung++; });
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
    const clock = new ManualClock(T0);
    const store = new MemoryStateStore(() => clock.now());
    const stuckCfg = parseAlertmanagerConfig(config().original.replace(sink.url, `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/`)).config!;
    const d1 = new Dispatcher(stuckCfg, { store, clock, leaseMs: 10_000 });
    await d1.putAlerts([alert(clock, { alertname: 'A', instance: 'i1' }, { endsAt: T0 + 3600 * S })]);
    clock.advance(30 * S);
    const flushing = d1.tick();
    while (hung === 0) await new Promise((r) => setTimeout(r, 5));
    await d1.stop(20);
    await flushing;
    hanging.closeAllConnections();
    hanging.close();
    expect(await store.listFailures(10)).toEqual([]);
    const d2 = new Dispatcher(config(), { store, clock });
    expect(await d2.tick()).toBe(0);
    clock.advance(10 * S);
    await d2.tick();
    clock.advance(5 * M);
    await d2.tick();
    expect(sent()).toEqual([{ status: 'firing', reason: 'first notification', alerts: ['i1:firing'] }]);
  });

  it('lets two dispatchers share one store and sends each notification once', async () => {
    const clock = new ManualClock(T0);
    const store = new MemoryStateStore(() => clock.now());
    const cfg = config();
    const a = new Dispatcher(cfg, { store, clock });
    const b = new Dispatcher(cfg, { store, clock });
    for (let i = 0; i < 20; i++) await (i % 2 === 0 ? a : b).putAlerts([alert(clock, { alertname: `A${i}`, instance: 'x' })]);
    clock.advance(30 * S);
    await Promise.all([a.tick(), b.tick()]);
    expect(sink.requests).toHaveLength(20);
    expect(new Set(sink.requests.map((r) => r.body.groupKey)).size).toBe(20);
  });

  it('sends an alert with group_wait 0s at once when it arrives while the loop is between rounds', async () => {
    // A store whose answer to nextDueAt takes a while to come back (a round trip to Redis); the
    // test is told once the store has read it, so the alert arrives after the read.
    let asked: () => void = () => undefined;
    class SlowStore extends MemoryStateStore {
      override async nextDueAt(): Promise<number | undefined> {
        const next = await super.nextDueAt();
        asked();
        await new Promise((r) => setTimeout(r, 20));
        return next;
      }
    }
    const store = new SlowStore(() => Date.now());
    const cfg = parseAlertmanagerConfig(config().original.replace('group_wait: 30s', 'group_wait: 0s')).config!;
    // A poll far longer than the test: only the wake-up on new alerts can get the alert sent.
    const d = new Dispatcher(cfg, { store, pollMs: 600_000 });
    const between = new Promise<void>((r) => (asked = r));
    d.start();
    try {
      await between;
      const now = Date.now();
      const labels = { alertname: 'Between', instance: 'x' };
      await d.putAlerts([{ fingerprint: alertFingerprint(labels), labels, annotations: {}, startsAt: now, endsAt: now + 5 * M, generatorURL: '', updatedAt: now, timeout: true }]);
      while (sink.requests.length < 1) await new Promise((r) => setTimeout(r, 5));
      expect(sent()).toEqual([{ status: 'firing', reason: 'first notification', alerts: ['x:firing'] }]);
    } finally {
      await d.stop();
    }
  });
});
