import { describe, expect, it } from 'vitest';
import { AppliedOffsetWaits } from './applied-offset-waits.js';

describe('AppliedOffsetWaits', () => {
  it('resolves a wait once a later advance makes its condition hold', async () => {
    const waits = new AppliedOffsetWaits();
    let applied = 3;
    const waiting = waits.until(() => applied >= 5, Date.now() + 60_000);
    applied = 4;
    waits.advanced();
    applied = 5;
    waits.advanced();
    expect(await waiting).toBe(true);
  });

  it('gives up at the deadline when the condition never holds', async () => {
    const waits = new AppliedOffsetWaits();
    expect(await waits.until(() => false, Date.now() + 20)).toBe(false);
  });
});
