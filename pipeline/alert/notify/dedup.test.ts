import { describe, expect, it } from 'vitest';

import { nextLogEntry, notificationReason, type DedupInput } from './dedup.js';
import { MemoryStateStore } from './memory-state-store.js';

const H = 3_600_000;
const base = (over: Partial<DedupInput>): DedupInput => ({ entry: undefined, firing: new Set(), resolved: new Set(), sendResolved: true, repeatInterval: 4 * H, now: 10 * H, ...over });

describe('notification log decisions (dedup stage)', () => {
  it('sends a first notification only when something fires', () => {
    expect(notificationReason(base({ firing: new Set(['a']) }))).toBe('first notification');
    expect(notificationReason(base({ resolved: new Set(['a']) }))).toBeUndefined();
  });

  it('notifies new alerts, then resolutions, then nothing until the repeat interval', () => {
    const entry = nextLogEntry(new Set(['a']), new Set(), true, 9 * H);
    expect(notificationReason(base({ entry, firing: new Set(['a', 'b']) }))).toBe('new alerts added');
    expect(notificationReason(base({ entry, firing: new Set(['a']), resolved: new Set(['b']) }))).toBe('some alerts resolved');
    expect(notificationReason(base({ entry, firing: new Set(['a']), resolved: new Set(['b']), sendResolved: false }))).toBeUndefined();
    expect(notificationReason(base({ entry, firing: new Set(['a']) }))).toBeUndefined();
    expect(notificationReason(base({ entry, firing: new Set(['a']), now: 13 * H + 1 }))).toBe('repeat interval elapsed');
  });

  it('reports all alerts resolved even without send_resolved, and treats refiring after that as first', () => {
    const entry = nextLogEntry(new Set(['a']), new Set(), false, 9 * H);
    expect(notificationReason(base({ entry, resolved: new Set(['a']), sendResolved: false }))).toBe('all alerts resolved');
    const cleared = nextLogEntry(new Set(), new Set(['a']), false, 9 * H);
    expect(notificationReason(base({ entry: cleared, resolved: new Set(['a']) }))).toBeUndefined();
    expect(notificationReason(base({ entry: cleared, firing: new Set(['a']) }))).toBe('first notification');
  });

  it('keeps log entries in the memory store until their retention passes', async () => {
    let now = 0;
    const store = new MemoryStateStore(() => now);
    await store.putLog('g', 'r/webhook/0', nextLogEntry(new Set(['a']), new Set(), true, 0), 1000);
    expect((await store.getLog('g', 'r/webhook/0'))?.firingAlerts).toEqual(['a']);
    now = 1000;
    expect(await store.getLog('g', 'r/webhook/0')).toBeUndefined();
  });
});
