import { describe, expect, it } from 'vitest';
import { setLabel, type Labels } from '../../../schemas/labels.js';
import { LabelStrings, unpackLabelSets } from './packed-label-sets.js';

describe('packed label sets', () => {
  it('stores each distinct name and value once and reads every set back in its own name order', () => {
    const sets: Labels[] = [
      { __name__: 'up', job: 'node', instance: 'a:9100' },
      { job: 'node', __name__: 'up', instance: 'b:9100' },
      {},
      { __name__: 'node', node: 'up' },
    ];
    const strings = new LabelStrings();
    const packed = strings.pack(sets);
    expect([...strings.strings].sort()).toEqual(['__name__', 'a:9100', 'b:9100', 'instance', 'job', 'node', 'up']);
    const back = unpackLabelSets(structuredClone(strings.strings), structuredClone(packed));
    expect(back).toEqual(sets);
    expect(back.map((l) => Object.keys(l))).toEqual(sets.map((l) => Object.keys(l)));
  });

  it('keeps a label called __proto__ as a label', () => {
    const l: Record<string, string> = { __name__: 'x' };
    setLabel(l, '__proto__', 'v');
    const strings = new LabelStrings();
    const [back] = unpackLabelSets(strings.strings, strings.pack([l]));
    expect(Object.keys(back)).toEqual(['__name__', '__proto__']);
    expect(back.__proto__).toBe('v');
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
  });

  it('reads back label sets of many families and name orders in one list, each in its own name order', () => {
    // More families than a property access stays specialized to, interleaved, some sharing names.
    const sets: Labels[] = [];
    for (let i = 0; i < 300; i++) {
      const l: Record<string, string> = {};
      const names = Array.from({ length: 1 + (i % 9) }, (_, j) => `n${(i * 7 + j * 3) % 23}`);
      if (i % 2 === 1) names.reverse();
      for (const n of names) l[n] = `v${i % 5}-${n}`;
      if (i % 3 === 0) l.__name__ = `m${i % 11}`;
      sets.push(l);
    }
    const strings = new LabelStrings();
    const back = unpackLabelSets(strings.strings, strings.pack(sets));
    expect(back).toEqual(sets);
    expect(back.map((l) => Object.keys(l))).toEqual(sets.map((l) => Object.keys(l)));
  });

  it('packs a set of more labels than its room was first made for', () => {
    const wide: Labels = Object.fromEntries(Array.from({ length: 40 }, (_, j) => [`name${j}`, `value${j}`]));
    const strings = new LabelStrings();
    const packed = strings.pack([wide, { job: 'x' }]);
    expect(packed.refs.length).toBe(82);
    expect(unpackLabelSets(strings.strings, packed)).toEqual([wide, { job: 'x' }]);
  });

  it('packs several lists against one table', () => {
    const strings = new LabelStrings();
    const a = strings.pack([{ job: 'api' }]);
    const b = strings.pack([{ job: 'api', code: '500' }]);
    expect(strings.strings).toEqual(['job', 'api', 'code', '500']);
    expect(unpackLabelSets(strings.strings, a)).toEqual([{ job: 'api' }]);
    expect(unpackLabelSets(strings.strings, b)).toEqual([{ job: 'api', code: '500' }]);
  });
});
