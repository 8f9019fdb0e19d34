import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatRate, progressBar } from './progress-format.js';
import { JsonProgressLines, Pace, TerminalProgressLine } from './progress-reporter.js';

describe('progress reporters', () => {
  it('redraw a terminal line in place at most once per interval and end it with a newline', () => {
    const out: string[] = [];
    const line = new TerminalProgressLine<number>((t) => out.push(t), (n) => `${n} done`, 60_000);
    line.update(1);
    line.update(2);
    line.finish(3);
    expect(out).toEqual(['\r\x1b[K1 done', '\r\x1b[K3 done', '\n']);
  });

  it('log JSON lines only after their interval, observing every update, and stay quiet at the end of a short run when asked', () => {
    const lines: string[] = [];
    const seen: number[] = [];
    const settings = {
      messages: { progress: 'work progress', finished: 'work finished' },
      fields: (n: number) => ({ n }),
      observe: (n: number) => void seen.push(n),
    };
    const quiet = new JsonProgressLines<number>((l) => lines.push(l), 60_000, { ...settings, quietWhenShort: true });
    quiet.update(1);
    quiet.finish(2);
    expect(lines).toEqual([]);
    expect(seen).toEqual([1]);
    const every = new JsonProgressLines<number>((l) => lines.push(l), 0, settings);
    every.update(3);
    every.finish(4);
    expect(lines.map((l) => JSON.parse(l) as { msg: string; n: number; level: string }).map(({ msg, n, level }) => ({ msg, n, level }))).toEqual([
      { msg: 'work progress', n: 3, level: 'info' },
      { msg: 'work finished', n: 4, level: 'info' },
    ]);
  });

  it('measure the rate from the first observation, so work done by an earlier run does not count', () => {
    const pace = new Pace();
    expect(pace.measure(500, 50, 100)).toEqual({ perSecond: 0, secondsLeft: undefined });
    const later = pace.measure(600, 60, 100);
    expect(later.perSecond).toBeGreaterThan(0);
    expect(later.secondsLeft).toBeCloseTo((40 / 10) * (100 / later.perSecond), 6);
    expect(pace.measure(700, 70, undefined).secondsLeft).toBeUndefined();
  });

  it('format bars, rates, sizes and durations', () => {
    expect(progressBar(0.4, 10)).toBe('[####......]  40%  ');
    expect(progressBar(2, 4)).toBe('[####] 100%  ');
    expect([formatRate(401), formatRate(120_300), formatRate(1_250_000)]).toEqual(['401', '120.3 k', '1.25 M']);
    expect([formatBytes(512), formatBytes(40_100_000), formatBytes(2e9)]).toEqual(['512 B', '40.1 MB', '2.00 GB']);
    expect([formatDuration(35), formatDuration(3723)]).toEqual(['0:35', '1:02:03']);
  });
});
