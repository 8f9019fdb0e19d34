import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAlertEvent, REPLAYED_HEADER, type AlertEvent } from '../../pipeline/alert/rules/index.js';
import { EmbeddedBus } from '../../pipeline/bus/embedded/index.js';
import { RecordCollector } from '../../test/harness/record-collector.js';
import { encodeReplayedAlertEvents, REPLAYED_ALERT_HISTORY_PATH } from '../replay/replayed-alert-events-body.js';
import { replayedAlertHistoryHandler } from './replayed-alert-history-api.js';

const event = (at: number, state: AlertEvent['state'], previous: AlertEvent['previous'], value: number): AlertEvent => ({
  group: 'g', file: 'rules.yml', rule: 'High', state, previous, labels: { alertname: 'High', instance: 'a' }, annotations: { summary: 'high' },
  at, activeAt: 60_000, firedAt: state === 'firing' ? at : 0, resolvedAt: 0, value,
});

describe('POST /api/v1/alert_history/replayed', () => {
  let dir: string;
  let bus: EmbeddedBus;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-alert-history-'));
    bus = await EmbeddedBus.open({ dataDir: dir });
    await bus.ensureTopic('alerts', 1);
    const handler = replayedAlertHistoryHandler({ bus: () => bus, topic: 'alerts', registry: new Registry(), auth: { bearer_token: 's3cret' } });
    server = createServer((req, res) => void handler(req, res, new URL(req.url ?? '/', 'http://x')));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const a = server.address();
    url = `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}${REPLAYED_ALERT_HISTORY_PATH}`;
  });

  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await bus?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const post = (body: string, token = 's3cret') =>
    fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });

  it('appends the state changes to the alerts topic, each record marked with the replay run', async () => {
    const events = [event(60_000, 'pending', 'inactive', 12.5), event(180_000, 'firing', 'pending', Number.POSITIVE_INFINITY)];
    const res = await post(encodeReplayedAlertEvents({ run: 'host/42/2026-12-05T10:00:00.000Z', events }));
    expect(res.status, await res.text()).toBe(204);

    const c = new RecordCollector();
    const consumer = await bus.consume({ group: 'reader', topic: 'alerts', fromBeginning: true }, c.handler);
    try {
      await c.waitFor((rs) => rs.length >= 2);
    } finally {
      await consumer.stop();
    }
    expect(c.records.map((r) => r.headers[REPLAYED_HEADER]?.toString())).toEqual(['host/42/2026-12-05T10:00:00.000Z', 'host/42/2026-12-05T10:00:00.000Z']);
    expect(c.records.map((r) => r.timestampMs)).toEqual([60_000, 180_000]);
    expect(c.records.map((r) => decodeAlertEvent(r.value))).toEqual(events);
  });

  it('refuses a request without the remote_write credentials with 401 and appends nothing', async () => {
    const before = (await bus.offsets('alerts'))[0]!.high;
    const res = await post(encodeReplayedAlertEvents({ run: 'r', events: [event(60_000, 'pending', 'inactive', 1)] }), 'wrong');
    expect(res.status).toBe(401);
    expect((await bus.offsets('alerts'))[0]!.high).toBe(before);
  });

  it('answers 400 naming the field of a body that is not a list of alert state changes', async () => {
    const bad = JSON.parse(encodeReplayedAlertEvents({ run: 'r', events: [event(60_000, 'pending', 'inactive', 1)] })) as { events: Record<string, unknown>[] };
    bad.events[0]!['state'] = 'exploded';
    const res = await post(JSON.stringify(bad));
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('events.0.state');
    const notJson = await post('{"run":');
    expect(notJson.status).toBe(400);
    expect(await notJson.text()).toContain('body is not JSON');
  });
});
