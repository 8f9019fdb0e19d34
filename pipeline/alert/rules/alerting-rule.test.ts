import { describe, expect, it } from 'vitest';
import { AlertingRule } from './alerting-rule.js';
import type { LoadedRule } from './rule-file.js';

function rule(over: Partial<LoadedRule> = {}): LoadedRule {
  return { kind: 'alerting', name: 'High', expr: 'x > 1', forMs: 0, keepFiringForMs: 0, labels: {}, annotations: {}, line: 1, ...over };
}
const hit = (value = 5) => [{ labels: { __name__: 'x', job: 'j' }, value }];
const deps = { externalLabels: { cluster: 'eu1' }, externalURL: 'http://tm:9090' };

describe('AlertingRule', () => {
  it('goes pending, fires after `for`, and resolves when the condition clears', async () => {
    const r = new AlertingRule(rule({ forMs: 20_000 }), deps);
    const states: string[] = [];
    for (const [t, res] of [[0, hit()], [10_000, hit()], [20_000, hit()], [30_000, []]] as const) {
      const { transitions } = await r.eval(res, t, 0, 0);
      states.push(...transitions.map((x) => `${t}:${x.from}->${x.alert.state}`));
    }
    expect(states).toEqual(['0:inactive->pending', '20000:pending->firing', '30000:firing->inactive']);
    const [a] = r.alerts();
    expect([a!.activeAt, a!.firedAt, a!.resolvedAt]).toEqual([0, 20_000, 30_000]);
  });

  it('fires at once with `for: 0` as a single change', async () => {
    const r = new AlertingRule(rule(), deps);
    const { transitions, samples } = await r.eval(hit(), 1000, 0, 0);
    expect(transitions.map((t) => [t.from, t.alert.state])).toEqual([['inactive', 'firing']]);
    expect(samples.map((s) => [s.labels['__name__'], s.labels['alertstate'], s.value])).toEqual([['ALERTS', 'firing', 1], ['ALERTS_FOR_STATE', undefined, 1]]);
  });

  it('forgets a pending alert whose condition clears before `for`', async () => {
    const r = new AlertingRule(rule({ forMs: 60_000 }), deps);
    await r.eval(hit(), 0, 0, 0);
    const { transitions } = await r.eval([], 10_000, 0, 0);
    expect(transitions.map((t) => [t.from, t.alert.state])).toEqual([['pending', 'inactive']]);
    expect(r.alerts()).toEqual([]);
  });

  it('keeps firing for `keep_firing_for` after the condition clears', async () => {
    const r = new AlertingRule(rule({ keepFiringForMs: 20_000 }), deps);
    await r.eval(hit(), 0, 0, 0);
    expect((await r.eval([], 10_000, 0, 0)).transitions).toEqual([]);
    expect(r.alerts()[0]!.keepFiringSince).toBe(10_000);
    expect((await r.eval([], 20_000, 0, 0)).transitions).toEqual([]);
    const { transitions } = await r.eval([], 30_000, 0, 0);
    expect(transitions.map((t) => [t.from, t.alert.state, t.alert.resolvedAt])).toEqual([['firing', 'inactive', 30_000]]);
  });

  it('expands label and annotation templates with $value, $labels and $externalLabels', async () => {
    const r = new AlertingRule(rule({
      labels: { severity: '{{ if gt $value 3.0 }}page{{ else }}ticket{{ end }}' },
      annotations: { summary: '{{ $labels.job }} at {{ $value | humanize }} in {{ $externalLabels.cluster }}', bad: '{{ .Nope.Deeper }}' },
    }), deps);
    const { transitions } = await r.eval(hit(1234.5), 0, 0, 0);
    const a = transitions[0]!.alert;
    expect(a.labels).toEqual({ alertname: 'High', job: 'j', severity: 'page' });
    expect(a.annotations['summary']).toBe('j at 1.234k in eu1');
    expect(a.annotations['bad']).toMatch(/^<error expanding template: /);
  });

  it('expanding annotations only for state changes gives each change the annotations it has when they are expanded at every evaluation', async () => {
    const rl = rule({ forMs: 20_000, keepFiringForMs: 15_000, annotations: { summary: '{{ $labels.job }} at {{ $value }}', asked: '{{ with query "vector(1)" }}{{ end }}' } });
    const run = async (annotations: 'every-evaluation' | 'on-state-change') => {
      let asked = 0;
      const r = new AlertingRule(rl, { ...deps, annotations, templateQuery: () => { asked++; return []; } });
      const changes: string[] = [];
      // Job a: pending, firing, kept firing past its last value, resolved; job b: pending and gone before `for`.
      for (let i = 0; i < 12; i++) {
        const result = [];
        if (i < 6) result.push({ labels: { __name__: 'x', job: 'a' }, value: 10 + i });
        if (i >= 1 && i < 3) result.push({ labels: { __name__: 'x', job: 'b' }, value: 20 + i });
        const { transitions } = await r.eval(result, i * 10_000, 0, 0);
        for (const t of transitions) changes.push(`${t.at} ${t.alert.labels['job']} ${t.from}->${t.alert.state} ${t.alert.annotations['summary']}`);
      }
      return { changes, asked };
    };
    const every = await run('every-evaluation');
    const onChange = await run('on-state-change');
    expect(every.changes).toEqual([
      '0 a inactive->pending a at 10', '10000 b inactive->pending b at 21', '20000 a pending->firing a at 12',
      '30000 b pending->inactive b at 22', '80000 a firing->inactive a at 15',
    ]);
    expect(onChange.changes).toEqual(every.changes);
    expect(every.asked).toBe(8);
    expect(onChange.asked).toBe(5);
  });

  it('clears its alerts and fails when more than `limit` are active', async () => {
    const r = new AlertingRule(rule(), deps);
    const two = [{ labels: { job: 'a' }, value: 2 }, { labels: { job: 'b' }, value: 2 }];
    await expect(r.eval(two, 0, 0, 1)).rejects.toThrow('exceeded limit of 1 with 2 alerts');
    expect(r.alerts()).toEqual([]);
  });

  it('sends firing alerts again only after the resend delay, and resolved ones once', async () => {
    const r = new AlertingRule(rule(), deps);
    await r.eval(hit(), 1000, 0, 0);
    const first = r.alertsToSend(1000, 1000, 60_000, 10_000, deps.externalLabels);
    expect(first.map((a) => [a.labels['cluster'], a.startsAt, a.endsAt])).toEqual([['eu1', 1000, 241_000]]);
    await r.eval(hit(), 30_000, 0, 0);
    expect(r.alertsToSend(30_000, 30_000, 60_000, 10_000, {})).toEqual([]);
    await r.eval(hit(), 62_000, 0, 0);
    expect(r.alertsToSend(62_000, 62_000, 60_000, 10_000, {})).toHaveLength(1);
    await r.eval([], 80_000, 0, 0);
    expect(r.alertsToSend(80_000, 80_000, 60_000, 10_000, {}).map((a) => a.endsAt)).toEqual([80_000]);
    expect(r.alertsToSend(90_000, 90_000, 60_000, 10_000, {})).toEqual([]);
  });
});
