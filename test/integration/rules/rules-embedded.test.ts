import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedBus } from '../../../pipeline/bus/embedded/index.js';
import { rulesApiRoutes, type NotifyAlert } from '../../../pipeline/alert/rules/index.js';
import { decodeSampleBatch } from '../../../schemas/index.js';
import { eventSummary, evaluator, publish, readEvents, readTopic, recorded, requests, ruleFile, T0 } from './rules-scenario.js';

const quiet = { info() {}, warn() {}, error() {} };
let bus: EmbeddedBus;
let files: Awaited<ReturnType<typeof ruleFile>>;
const topics = { samples: 'samples', aggregates: 'aggregates', alerts: 'alerts' };

beforeAll(async () => {
  files = await ruleFile();
  bus = await EmbeddedBus.open({ dataDir: join(files.dir, 'bus'), logger: quiet });
  await bus.ensureTopic('samples', 1);
});
afterAll(async () => {
  await bus.close();
  await files.cleanup();
});

describe('rules evaluator on the embedded bus', () => {
  it('records series to the aggregates topic and reports pending, firing and resolved alerts', async () => {
    const notified: NotifyAlert[] = [];
    const ev = evaluator(bus, topics, notified);
    await ev.applyConfig({ ruleFiles: [files.file], evaluationIntervalMs: 60_000 });
    await ev.start();
    await publish(bus, 'samples', requests(0, 120_000));

    const events = await readEvents(bus, 'alerts', 'check-1', 3);
    expect(eventSummary(events)).toEqual(['30000:inactive->pending', '50000:pending->firing', '80000:firing->inactive']);
    expect(events[1]!.labels).toEqual({ alertname: 'ReqHigh', job: 'api', severity: 'page', source: 'rules' });
    expect(events[1]!.annotations).toEqual({ summary: 'api at 12' });

    const batches = await readTopic(bus, 'aggregates', 'check-agg', decodeSampleBatch,
      (bs) => recorded(bs, 'job:req:sum').some((s) => s.timestamps.includes(T0 + 120_000)));
    const sums = recorded(batches, 'job:req:sum');
    expect(sums[0]!.labels).toEqual({ __name__: 'job:req:sum', job: 'api', source: 'rules' });
    const byT = new Map(sums.flatMap((s) => s.timestamps.map((t, i) => [t - T0, s.values[i]] as const)));
    expect([byT.get(20_000), byT.get(30_000), byT.get(120_000)]).toEqual([4, 12, 4]);
    const alerts = recorded(batches, 'ALERTS');
    expect(new Set(alerts.map((s) => s.labels['alertstate']))).toEqual(new Set(['pending', 'firing']));

    // Notifier: firing at 50 s (startsAt = firedAt), then resolved at 80 s.
    expect(notified.map((a) => [a.startsAt - T0, a.endsAt - T0 <= 80_000 ? a.endsAt - T0 : 'future'])).toEqual([[50_000, 'future'], [50_000, 80_000]]);

    // The HTTP API, as Prometheus answers it.
    const { routes } = rulesApiRoutes(ev);
    const server = createServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      const r = routes.find((x) => x.path === url.pathname)!;
      void r.handler(req, res, url);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const rules = (await (await fetch(`${base}/api/v1/rules`)).json()) as any;
    expect(rules.status).toBe('success');
    const [g] = rules.data.groups;
    expect([g.name, g.file, g.interval, g.limit]).toEqual(['api', files.file, 10, 0]);
    expect(g.rules.map((r: any) => [r.type, r.name, r.health])).toEqual([['recording', 'job:req:sum', 'ok'], ['alerting', 'ReqHigh', 'ok']]);
    expect(g.rules[1]).toMatchObject({ state: 'inactive', duration: 20, keepFiringFor: 0, query: 'job:req:sum > 10', alerts: [] });
    const onlyRecord = (await (await fetch(`${base}/api/v1/rules?type=record`)).json()) as any;
    expect(onlyRecord.data.groups[0].rules.map((r: any) => r.type)).toEqual(['recording']);
    expect(((await (await fetch(`${base}/api/v1/alerts`)).json()) as any).data.alerts).toEqual([]);
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await ev.stop();
    await ev.stop();

    // Replay: a new group from the earliest offset gives the same alert history.
    const replay = evaluator(bus, { samples: 'samples', aggregates: 'aggregates-replay', alerts: 'alerts-replay' }, [], { group: 'rules-replay' });
    await replay.applyConfig({ ruleFiles: [files.file], evaluationIntervalMs: 60_000 });
    await replay.start();
    const again = await readEvents(bus, 'alerts-replay', 'check-2', 3);
    const strip = (es: typeof events) => es.map(({ file: _f, ...e }) => e);
    expect(strip(again)).toEqual(strip(events));
    await replay.stop();
  });

  it('keeps a firing alert and its activeAt across a restart', async () => {
    await bus.ensureTopic('samples-r', 1);
    const t = { samples: 'samples-r', aggregates: 'aggregates-r', alerts: 'alerts-r' };
    const stateFile = join(files.dir, 'alerts-state.json');
    const first = evaluator(bus, t, [], { stateFile, group: 'rules-r' });
    await first.applyConfig({ ruleFiles: [files.file], evaluationIntervalMs: 60_000 });
    await first.start();
    await publish(bus, 'samples-r', requests(0, 60_000));
    expect(eventSummary(await readEvents(bus, 'alerts-r', 'check-r1', 2))).toEqual(['30000:inactive->pending', '50000:pending->firing']);
    await first.stop();

    const notified: NotifyAlert[] = [];
    const second = evaluator(bus, t, notified, { stateFile, group: 'rules-r' });
    await second.applyConfig({ ruleFiles: [files.file], evaluationIntervalMs: 60_000 });
    await second.start();
    const [rule] = second.groups()[0]!.rules.slice(1);
    expect((rule!.impl as any).alerts().map((a: any) => [a.state, a.activeAt - T0])).toEqual([['firing', 30_000]]);
    await publish(bus, 'samples-r', requests(65_000, 100_000));
    const events = await readEvents(bus, 'alerts-r', 'check-r2', 3);
    // No second pending/firing: the restarted evaluator went on with the restored alert.
    expect(eventSummary(events)).toEqual(['30000:inactive->pending', '50000:pending->firing', '80000:firing->inactive']);
    expect([events[2]!.activeAt - T0, events[2]!.firedAt - T0]).toEqual([30_000, 50_000]);
    expect(notified.map((a) => a.startsAt - T0)).toEqual([50_000]);
    await second.stop();
  });
});
