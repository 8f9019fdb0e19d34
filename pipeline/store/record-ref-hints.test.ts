import { describe, expect, it } from 'vitest';
import { RecordRefHints } from './record-ref-hints.js';

describe('record ref hints', () => {
  it('hands back the same hint list for records starting with the same series', () => {
    const hints = new RecordRefHints();
    const first = hints.forRecord(7);
    first.push(7, 8, 9);
    hints.grew(3);
    expect(hints.forRecord(7)).toBe(first);
    expect(hints.forRecord(8)).toEqual([]);
  });

  it('forgets every layout once it holds too many, instead of growing without bound', () => {
    const hints = new RecordRefHints();
    hints.forRecord(1).push(1);
    for (let r = 2; r <= 1024; r++) hints.forRecord(r);
    expect(hints.forRecord(1)).toEqual([1]);
    hints.forRecord(5000); // the 1025th layout
    expect(hints.forRecord(1)).toEqual([]);
    hints.forRecord(2).push(...new Array<number>(10).fill(2));
    hints.grew(4_000_000);
    hints.forRecord(3);
    expect(hints.forRecord(2)).toEqual([]);
  });
});
