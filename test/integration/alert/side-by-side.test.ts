import { afterEach, describe, expect, it } from 'vitest';

import { createNotifier, parseAlertmanagerConfig } from '../../../pipeline/alert/notify/index.js';
import { startAlertmanager } from './alertmanager-process.js';
import { serveRoutes } from './serve-routes.js';
import { WebhookSink, type SinkRequest } from './webhook-sink.js';

/** The parts both must agree on: receiver, group labels, alerts with status and labels. */
function normalize(reqs: readonly SinkRequest[]): string[] {
  return reqs.map((r) => JSON.stringify({
    path: r.path,
    receiver: r.body.receiver,
    status: r.body.status,
    groupLabels: r.body.groupLabels,
    alerts: r.body.alerts.map((a: { status: string; labels: unknown }) => ({ status: a.status, labels: a.labels })),
  })).sort();
}

/** A notification for one group: the receiver's path and the group labels. */
type GroupNotice = readonly [path: string, groupLabels: Record<string, string>];

/**
 * Waits until each sink received, from request `since[i]` on, a notification for every group in
 * `groups`: the end of a phase is what was delivered, not how long it took (a loaded 2-core
 * machine can delay either side for seconds).
 */
async function phaseDelivered(sinks: readonly WebhookSink[], since: readonly number[], groups: readonly GroupNotice[], timeoutMs = 60_000): Promise<void> {
  const key = (path: string, labels: unknown) => `${path} ${JSON.stringify(Object.entries(labels as Record<string, string>).sort())}`;
  const missing = () =>
    sinks.flatMap((sink, i) => {
      const got = new Set(sink.requests.slice(since[i]).map((r) => key(r.path, r.body.groupLabels)));
      return groups.filter(([path, labels]) => !got.has(key(path, labels))).map(([path, labels]) => `sink ${i}: ${key(path, labels)}`);
    });
  const deadline = Date.now() + timeoutMs;
  while (missing().length > 0) {
    if (Date.now() > deadline) throw new Error(`notifications not delivered within ${timeoutMs} ms: ${missing().join('; ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Pair {
  readonly amSink: WebhookSink;
  readonly tmSink: WebhookSink;
  post(path: string, body: unknown): Promise<void>;
  /** Posts alerts, then waits until both sinks got a notification for each of `groups`. */
  phase(alerts: unknown, groups: readonly GroupNotice[]): Promise<void>;
  stop(): Promise<void>;
}

/** The real Alertmanager and a Tidemark notifier, each with the same alertmanager.yml pointing at its own sink. */
async function startPair(yml: (sinkUrl: string) => string): Promise<Pair> {
  const [amSink, tmSink] = await Promise.all([WebhookSink.start(), WebhookSink.start()]);
  const am = await startAlertmanager(yml(amSink.url));
  const { config, errors } = parseAlertmanagerConfig(yml(tmSink.url));
  expect(errors).toEqual([]);
  const notifier = createNotifier({ config: config!, pollMs: 20 });
  await notifier.start();
  const tm = await serveRoutes(notifier.routes);
  const post = async (path: string, body: unknown): Promise<void> => {
    const send = (base: string) => fetch(`${base}/api/v2${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const [a, b] = await Promise.all([send(am.url), send(tm.url)]);
    expect([a.status, b.status]).toEqual([200, 200]);
  };
  return {
    amSink,
    tmSink,
    post,
    async phase(alerts, groups) {
      const since = [amSink.requests.length, tmSink.requests.length];
      await post('/alerts', alerts);
      await phaseDelivered([amSink, tmSink], since, groups);
    },
    async stop() {
      await tm.close();
      await notifier.stop();
      await am.stop();
      await Promise.all([amSink.close(), tmSink.close()]);
    },
  };
}

describe('side by side with Alertmanager', () => {
  let pair: Pair | undefined;
  afterEach(async () => {
    await pair?.stop();
    pair = undefined;
  });

  it('sends the same notifications for the same alerts, silences and inhibitions', async () => {
    pair = await startPair((sinkUrl) => `
route:
  receiver: ops
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:
  - matchers: [team="db"]
    receiver: dba
    group_by: [alertname, instance]
    continue: true
  - matchers: [severity="critical"]
    receiver: pager
inhibit_rules:
- source_matchers: [alertname="NodeDown"]
  target_matchers: [severity="warning"]
  equal: [instance]
receivers:
- name: ops
  webhook_configs: [{url: '${sinkUrl}ops'}]
- name: dba
  webhook_configs: [{url: '${sinkUrl}dba', send_resolved: false}]
- name: pager
  webhook_configs: [{url: '${sinkUrl}pager'}]
`);
    const now = () => new Date().toISOString();
    const t0 = now();
    await pair.post('/silences', {
      matchers: [{ name: 'alertname', value: 'HighLoad', isRegex: false }, { name: 'instance', value: 'b', isRegex: false }],
      startsAt: t0, endsAt: new Date(Date.now() + 3_600_000).toISOString(), createdBy: 'test', comment: 'silenced in both',
    });
    const load = (instance: string, endsAt?: string) => ({ labels: { alertname: 'HighLoad', instance, job: 'node' }, annotations: { summary: `load on ${instance}` }, startsAt: t0, ...(endsAt ? { endsAt } : {}) });
    const disk = (instance: string, endsAt?: string) => ({ labels: { alertname: 'DiskFull', team: 'db', severity: 'warning', instance }, startsAt: t0, ...(endsAt ? { endsAt } : {}) });
    const node = (endsAt?: string) => ({ labels: { alertname: 'NodeDown', severity: 'critical', instance: 'db1' }, startsAt: t0, ...(endsAt ? { endsAt } : {}) });

    // Phase 1: new groups wait group_wait; HighLoad{b} is silenced, DiskFull{db1} inhibited by NodeDown{db1}.
    await pair.phase([load('a'), load('b'), disk('db1'), disk('db2'), node()], [
      ['/ops', { alertname: 'HighLoad' }],
      ['/dba', { alertname: 'DiskFull', instance: 'db2' }],
      ['/pager', { alertname: 'NodeDown' }],
    ]);
    // Phase 2: one load alert resolves, another fires; NodeDown resolves, releasing DiskFull{db1}.
    const t1 = now();
    await pair.phase([load('a', t1), load('c'), node(t1)], [
      ['/ops', { alertname: 'HighLoad' }],
      ['/dba', { alertname: 'DiskFull', instance: 'db1' }],
      ['/pager', { alertname: 'NodeDown' }],
    ]);
    // Phase 3: everything resolves (dba does not send resolved notifications).
    const t2 = now();
    await pair.phase([load('b', t2), load('c', t2), disk('db1', t2), disk('db2', t2)], [['/ops', { alertname: 'HighLoad' }]]);

    expect(pair.amSink.requests.length).toBeGreaterThan(5);
    expect(normalize(pair.tmSink.requests)).toEqual(normalize(pair.amSink.requests));
  });

  it('agrees on group_by all labels, legacy match_re, and mute and active time intervals', async () => {
    pair = await startPair((sinkUrl) => `
route:
  receiver: all
  group_by: ['...']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:
  - match_re: {service: 'api|web'}
    receiver: svc
    group_by: [service]
  - match: {env: staging}
    receiver: svc
    mute_time_intervals: [always]
  - match: {env: dev}
    receiver: svc
    active_time_intervals: [long-ago]
time_intervals:
- name: always
  time_intervals:
  - weekdays: ['sunday:saturday']
- name: long-ago
  time_intervals:
  - years: ['2001']
receivers:
- name: all
  webhook_configs: [{url: '${sinkUrl}all'}]
- name: svc
  webhook_configs: [{url: '${sinkUrl}svc'}]
`);
    const t0 = new Date().toISOString();
    const a = (labels: Record<string, string>, endsAt?: string) => ({ labels, startsAt: t0, ...(endsAt ? { endsAt } : {}) });
    const set = [
      a({ alertname: 'Latency', service: 'api', instance: '1' }),
      a({ alertname: 'Errors', service: 'api', instance: '2' }),
      a({ alertname: 'Latency', service: 'web', instance: '3' }),
      a({ alertname: 'Latency', service: 'db', instance: '4' }),
      a({ alertname: 'Staging', env: 'staging' }),
      a({ alertname: 'Dev', env: 'dev' }),
      a({ alertname: 'Other', instance: '5' }),
    ];
    // Staging and Dev are muted: no notification for them.
    await pair.phase(set, [
      ['/svc', { service: 'api' }],
      ['/svc', { service: 'web' }],
      ['/all', { alertname: 'Latency', service: 'db', instance: '4' }],
      ['/all', { alertname: 'Other', instance: '5' }],
    ]);
    const t1 = new Date().toISOString();
    await pair.phase([set[0]!, a({ alertname: 'Errors', service: 'api', instance: '2' }, t1), a({ alertname: 'Other', instance: '5' }, t1)], [
      ['/svc', { service: 'api' }],
      ['/all', { alertname: 'Other', instance: '5' }],
    ]);

    expect(pair.amSink.requests.length).toBeGreaterThan(3);
    expect(normalize(pair.tmSink.requests)).toEqual(normalize(pair.amSink.requests));
  });
});
