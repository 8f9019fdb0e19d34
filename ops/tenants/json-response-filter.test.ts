import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { filteredJsonResponse } from './json-response-filter.js';

/** What a client receives from a handler writing through filteredJsonResponse. */
async function serve(handler: (res: import('node:http').ServerResponse) => void): Promise<{ status: number; length: string | null; body: string }> {
  const server = createServer((_req, res) => handler(filteredJsonResponse(res, (b) => ({ filtered: b }))));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    return { status: res.status, length: res.headers.get('content-length'), body: await res.text() };
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
}

describe('a filtered JSON response', () => {
  it('sends the filtered body of a 2xx JSON answer with its new length', async () => {
    const r = await serve((res) => res.writeHead(200, { 'content-type': 'application/json', 'content-length': 7 }).end('{"a":1}'));
    expect(r).toEqual({ status: 200, length: String('{"filtered":{"a":1}}'.length), body: '{"filtered":{"a":1}}' });
  });

  it('sends an error answer, and one that is not JSON, as the handler wrote it', async () => {
    expect((await serve((res) => res.writeHead(500).end('{"a":1}'))).body).toBe('{"a":1}');
    const r = await serve((res) => {
      res.statusCode = 200;
      res.write('not ');
      res.end('json');
    });
    expect(r).toEqual({ status: 200, length: '8', body: 'not json' });
  });
});
