import { describe, expect, it } from 'vitest';
import { Wakeup } from './wakeup.js';

describe('Wakeup', () => {
  it('ends every wait made before a fire, and none made after it', async () => {
    const wake = new Wakeup();
    const ended: string[] = [];
    void wake.wait().promise.then(() => ended.push('a'));
    void wake.wait().promise.then(() => ended.push('b'));
    wake.fire();
    void wake.wait().promise.then(() => ended.push('c'));
    await new Promise((r) => setImmediate(r));
    expect(ended).toEqual(['a', 'b']);
    expect(wake.waiting).toBe(1);
  });

  it('keeps nothing of waits canceled after the race they were in was won by something else', async () => {
    const wake = new Wakeup();
    for (let i = 0; i < 10_000; i++) {
      const woken = wake.wait();
      await Promise.race([Promise.resolve(), woken.promise]);
      woken.cancel();
    }
    expect(wake.waiting).toBe(0);
    const last = wake.wait();
    wake.fire();
    await expect(last.promise).resolves.toBeUndefined();
  });
});
