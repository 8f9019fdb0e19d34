import { describe, expect, it } from 'vitest';
import { addAcknowledged, decodeWriteTokens, encodeWriteToken, WriteTokenError } from './write-token.js';

describe('write token', () => {
  it('round-trips the positions a write was acknowledged at', () => {
    const positions = new Map<number, number>();
    addAcknowledged(positions, [{ partition: 3, offset: 41 }, { partition: 0, offset: 7 }, { partition: 3, offset: 12 }]);
    expect([...decodeWriteTokens(encodeWriteToken(positions))]).toEqual([[0, 8], [3, 42]]);
  });

  it('merges several tokens, keeping the furthest offset of each partition', () => {
    const a = encodeWriteToken(new Map([[1, 10], [2, 5]]));
    const b = encodeWriteToken(new Map([[1, 4], [5, 9]]));
    expect(Object.fromEntries(decodeWriteTokens(`${a}, ${b}`))).toEqual({ 1: 10, 2: 5, 5: 9 });
  });

  it('refuses text that is not a token, naming what is wrong', () => {
    expect(() => decodeWriteTokens('12:40')).toThrow(WriteTokenError);
    expect(() => decodeWriteTokens(`w1.${Buffer.from('1:x').toString('base64url')}`)).toThrow(/malformed partition offset "1:x"/);
  });
});
