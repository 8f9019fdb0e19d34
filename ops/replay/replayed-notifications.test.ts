import { describe, expect, it } from 'vitest';
import type { ActiveAlert, AlertState, AlertTransition } from '../../pipeline/alert/rules/index.js';
import { FiringAtEnd } from './replayed-notifications.js';

const MIN = 60_000;

function change(instance: string, at: number, from: AlertState, state: AlertState, firedAt = 0, resolvedAt = 0): AlertTransition {
  const alert = { labels: { alertname: 'High', instance }, annotations: { summary: `high on ${instance}` }, state, activeAt: at, firedAt, resolvedAt, value: 9 };
  return { at, from, alert: alert as unknown as ActiveAlert };
}

describe('FiringAtEnd', () => {
  it('sends only the alerts whose last replayed change left them firing, valid four intervals past the later of now and that change', () => {
    const f = new FiringAtEnd();
    f.add([change('a', 1 * MIN, 'inactive', 'pending'), change('a', 3 * MIN, 'pending', 'firing', 3 * MIN)], MIN);
    f.add([change('b', 2 * MIN, 'pending', 'firing', 2 * MIN), change('b', 5 * MIN, 'firing', 'inactive', 2 * MIN, 5 * MIN)], MIN);
    f.add([change('c', 4 * MIN, 'inactive', 'pending')], MIN);
    const now = 100 * MIN;
    expect(f.alerts(now, 'http://tidemark')).toEqual([
      { labels: { alertname: 'High', instance: 'a' }, annotations: { summary: 'high on a' }, startsAt: 3 * MIN, endsAt: now + 4 * MIN, generatorURL: 'http://tidemark' },
    ]);
    expect(f.alerts(0, 'x')[0]?.endsAt).toBe(3 * MIN + 4 * MIN);
  });
});
