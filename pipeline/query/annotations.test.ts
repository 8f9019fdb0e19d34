import { describe, expect, it } from 'vitest';
import { capAnnotations } from './annotations.js';

describe('capAnnotations', () => {
  it('passes up to ten annotations through unchanged', () => {
    const ten = Array.from({ length: 10 }, (_, i) => `w${i}`);
    expect(capAnnotations(ten, 'warning')).toEqual(ten);
  });

  it('keeps the first ten and counts the rest as Prometheus words it', () => {
    const twelve = Array.from({ length: 12 }, (_, i) => `i${i}`);
    expect(capAnnotations(twelve, 'info')).toEqual([...twelve.slice(0, 10), '2 more info annotations omitted']);
    expect(capAnnotations(twelve, 'warning').at(-1)).toBe('2 more warning annotations omitted');
  });
});
