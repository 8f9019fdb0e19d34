import { describe, expect, it } from 'vitest';
import { WriteBehind } from './write-behind.js';

/** A send whose writes finish only when the test says so. */
function controlledSend() {
  const log: string[] = [];
  const finish: Map<string, { ok: () => void; fail: (e: Error) => void }> = new Map();
  const send = (item: string) => new Promise<void>((ok, fail) => {
    log.push(`start ${item}`);
    finish.set(item, { ok: () => { log.push(`end ${item}`); ok(); }, fail });
  });
  return { log, finish, send };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('WriteBehind', () => {
  it('sends writes in the order given, each only after the one before it was acknowledged', async () => {
    const { log, finish, send } = controlledSend();
    const q = new WriteBehind(send, 3);
    await q.write('a');
    await q.write('b');
    await q.write('c');
    await tick();
    expect(log).toEqual(['start a']);
    finish.get('a')!.ok();
    await tick();
    expect(log).toEqual(['start a', 'end a', 'start b']);
    finish.get('b')!.ok();
    await tick();
    finish.get('c')!.ok();
    await q.drain();
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('has started sending a write with nothing ahead of it once write resolves, however the send defers its work', async () => {
    const log: string[] = [];
    // As Node's HTTP client does: the request reaches its socket in a later tick.
    const q = new WriteBehind((item: string) => new Promise<void>((ok) => process.nextTick(() => {
      log.push(`on the socket ${item}`);
      ok();
    })));
    await q.write('a');
    expect(log).toEqual(['on the socket a']);
    await q.drain();
  });

  it('holds the writer back while as many writes as it has room for are pending', async () => {
    const { finish, send } = controlledSend();
    const q = new WriteBehind(send, 2);
    await q.write('a');
    await q.write('b');
    let queued = false;
    const third = q.write('c').then(() => (queued = true));
    await tick();
    expect(queued).toBe(false);
    finish.get('a')!.ok();
    await third;
    expect(queued).toBe(true);
    finish.get('b')!.ok();
    await tick();
    finish.get('c')!.ok();
    await q.drain();
  });

  it('throws the first failed write from drain and from the next write, and sends nothing queued after it', async () => {
    const { log, finish, send } = controlledSend();
    const q = new WriteBehind(send, 3);
    await q.write('a');
    await q.write('b');
    await tick();
    finish.get('a')!.fail(new Error('remote_write refused: out of bounds'));
    await expect(q.drain()).rejects.toThrow('remote_write refused: out of bounds');
    await expect(q.write('c')).rejects.toThrow('remote_write refused: out of bounds');
    expect(log).toEqual(['start a']);
  });

  it('refuses a queue without room for one write', () => {
    expect(() => new WriteBehind(async () => {}, 0)).toThrow(RangeError);
  });
});
