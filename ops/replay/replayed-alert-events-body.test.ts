import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../pipeline/alert/rules/index.js';
import { encodeReplayedAlertEvents, parseReplayedAlertEvents } from './replayed-alert-events-body.js';

const event = (value: number): AlertEvent => ({
  group: 'g', file: 'rules.yml', rule: 'High', state: 'firing', previous: 'pending', labels: { alertname: 'High', instance: 'a' },
  annotations: { summary: 'high' }, at: 180_000, activeAt: 60_000, firedAt: 180_000, resolvedAt: 0, value,
});

describe('the replayed alert history body', () => {
  it('carries the run and every field of the state changes, NaN and infinities included', () => {
    const events = [event(1.5), event(Number.NaN), event(Number.POSITIVE_INFINITY), event(Number.NEGATIVE_INFINITY)];
    const text = encodeReplayedAlertEvents({ run: 'host/1/2026-12-05T10:00:00.000Z', events });
    expect(JSON.parse(text).events.map((e: { value: string }) => e.value)).toEqual(['1.5', 'NaN', '+Inf', '-Inf']);
    expect(parseReplayedAlertEvents(text)).toEqual({ run: 'host/1/2026-12-05T10:00:00.000Z', events });
  });

  it('names the field of a change it refuses', () => {
    const body = (change: (e: Record<string, unknown>) => void, top: Record<string, unknown> = {}) => {
      const o = JSON.parse(encodeReplayedAlertEvents({ run: 'r', events: [event(1), event(2)] })) as { events: Record<string, unknown>[] };
      change(o.events[1]!);
      return JSON.stringify({ ...o, ...top });
    };
    expect(() => parseReplayedAlertEvents(body((e) => (e['at'] = 1.5)))).toThrow('events.1.at: expected Unix milliseconds');
    expect(() => parseReplayedAlertEvents(body((e) => (e['value'] = 'many')))).toThrow('events.1.value: expected a number');
    expect(() => parseReplayedAlertEvents(body((e) => (e['value'] = '1e')))).toThrow('events.1.value: expected a number');
    expect(() => parseReplayedAlertEvents(body((e) => (e['labels'] = { instance: 1 })))).toThrow('events.1.labels.instance: expected a string');
    expect(() => parseReplayedAlertEvents(body((e) => (e['state'] = 'gone')))).toThrow('events.1.state: expected inactive, pending or firing');
    expect(() => parseReplayedAlertEvents(body((e) => (e['tenant'] = 'x')))).toThrow('events.1.tenant: unknown field');
    expect(() => parseReplayedAlertEvents(body(() => {}, { run: '' }))).toThrow('run: expected the name of the replay run');
    expect(() => parseReplayedAlertEvents('[]')).toThrow('body: expected an object');
  });
});
