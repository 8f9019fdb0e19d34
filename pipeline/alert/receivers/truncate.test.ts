import { describe, expect, it } from 'vitest';

import { truncateInBytes, truncateInRunes } from './truncate.js';

describe('truncation as Alertmanager truncates', () => {
  it('keeps n runes, the last one replaced by an ellipsis, and leaves short strings alone', () => {
    expect(truncateInRunes('abcdef', 6)).toBe('abcdef');
    expect(truncateInRunes('abcdefg', 6)).toBe('abcde…');
    expect(truncateInRunes('ééééé', 4)).toBe('ééé…');
    expect(truncateInRunes('abcdef', 3)).toBe('abc');
  });

  it('keeps at most n bytes on a rune boundary, the ellipsis counted as three', () => {
    expect(truncateInBytes('abcdef', 6)).toBe('abcdef');
    expect(truncateInBytes('abcdefg', 6)).toBe('abc…');
    expect(truncateInBytes('€€€', 8)).toBe('€…');
    expect(Buffer.byteLength(truncateInBytes('€'.repeat(10), 10))).toBeLessThanOrEqual(10);
    expect([truncateInBytes('abcdef', 3), truncateInBytes('abcdef', 2)]).toEqual(['…', '..']);
  });
});
