import { describe, expect, it } from 'vitest';
import { expandValues, parseSeriesLabels } from './series-notation.js';
import { expandStartOffsets, parseTestFile } from './test-file.js';

describe('promqltest notation', () => {
  it('expands series values with the off-by-one repeat count', () => {
    expect(expandValues('0+10x3')).toEqual([0, 10, 20, 30]);
    expect(expandValues('1 _x2 stale -2-1x1')).toEqual([1, null, null, 'stale', -2, -3]);
    expect(expandValues('0x2 0x1f')).toEqual([0, 0, 0, 31]);
  });

  it('expands start timestamp offsets: signed durations, repeats, steps and gaps', () => {
    expect(expandStartOffsets('_ -30s-1mx2 +1m 0 1ms -0msx1')).toEqual([null, -30_000, -90_000, -150_000, 60_000, 0, 1, -0, -0]);
    expect(expandStartOffsets('_x2 -1mx1 1ms-1mx1')).toEqual([null, null, -60_000, -60_000, 1, -59_999]);
    expect(() => expandStartOffsets('soon')).toThrow(/bad start timestamp item "soon"/);
  });

  it('attaches a series\' @st line to its values, before or after them', () => {
    const [load] = parseTestFile('t.test', ['load 1m', '  a@st _ -1m', '  a 1 2', '  b 1 2', '  b@st 0 _'].join('\n'));
    if (load.kind !== 'load') throw new Error('not a load');
    expect(load.series.map((s) => [s.labels.__name__, s.startOffsets])).toEqual([['a', [null, -60_000]], ['b', [0, null]]]);
  });

  it('reads label sets with escapes and without a metric name', () => {
    expect(parseSeriesLabels('{a="x\\"y", b="1"} 5')).toEqual({ labels: { a: 'x"y', b: '1' }, rest: '5' });
    expect(parseSeriesLabels('m:x{job="a"} 1')).toEqual({ labels: { __name__: 'm:x', job: 'a' }, rest: '1' });
  });

  it('parses load, clear and eval commands with expectations', () => {
    const cmds = parseTestFile('t.test', [
      'load 5m',
      '  m{a="1"} 0+1x2',
      '',
      'clear',
      '# comment ends nothing here',
      'eval range from 0 to 10m step 5m m',
      '  expect warn msg: PromQL warning: x',
      '  m{a="1"} 0 1 2',
      '',
      'eval_fail instant at 1m m',
    ].join('\n'));
    expect(cmds.map((c) => c.kind)).toEqual(['load', 'clear', 'eval', 'eval']);
    const ev = cmds[2];
    if (ev.kind !== 'eval') throw new Error('not eval');
    expect(ev).toMatchObject({ instant: false, start: 0, end: 600_000, step: 300_000 });
    expect(ev.warn.msgs).toEqual(['PromQL warning: x']);
    expect(cmds[3]).toMatchObject({ kind: 'eval', fail: true, start: 60_000 });
  });
});
