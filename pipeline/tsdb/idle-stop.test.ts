import { describe, expect, it, vi } from 'vitest';
import { IdleStop } from './idle-stop.js';

describe('IdleStop', () => {
  it('stops once the idle time passed with no work given, and not while work keeps coming', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let stopped = 0;
      const s = new IdleStop(1_000, () => stopped++);
      s.idle();
      vi.advanceTimersByTime(900);
      s.busy();
      vi.advanceTimersByTime(5_000);
      expect(stopped).toBe(0);
      s.idle();
      vi.advanceTimersByTime(600);
      // Idle again: the time starts over.
      s.idle();
      vi.advanceTimersByTime(600);
      expect(stopped).toBe(0);
      vi.advanceTimersByTime(400);
      expect(stopped).toBe(1);
      vi.advanceTimersByTime(5_000);
      expect(stopped).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
