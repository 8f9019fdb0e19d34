import { connect } from 'node:net';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { HttpRouter } from './http-router.js';
import { HttpServer } from './http-server.js';

describe('HttpServer.close', () => {
  it('lets a request in flight finish, and cuts a client that never finishes its request once the grace period is over', async () => {
    const router = new HttpRouter();
    let finishSlow!: () => void;
    const slowStarted = new Promise<void>((started) => {
      router.add('GET', '/slow', async (_req, res) => {
        started();
        await new Promise<void>((r) => (finishSlow = r));
        res.end('done');
      });
    });
    router.add('POST', '/body', async (req, res) => {
      for await (const chunk of req) void chunk;
      res.end('read');
    });
    const server = new HttpServer(router, pino({ level: 'silent' }));
    const { port } = await server.listen({ host: '127.0.0.1', port: 0 });

    // A request whose handler is still working when the server is asked to stop.
    const slow = fetch(`http://127.0.0.1:${port}/slow`).then((r) => r.text());
    await slowStarted;
    // A client that announces a body and never sends it.
    const stuck = connect(port, '127.0.0.1');
    await new Promise<void>((r) => stuck.once('connect', () => r()));
    const stuckClosed = new Promise<void>((r) => stuck.once('close', () => r()));
    stuck.write('POST /body HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\npartial');

    const closed = server.close(300);
    finishSlow();
    expect(await slow).toBe('done');
    await closed;
    await stuckClosed;
    expect(stuck.destroyed).toBe(true);
  });
});
