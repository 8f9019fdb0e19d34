import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseDurationParam, parseLimitParam, parseTimeParam, readBody, requestParams } from './api-params.js';
import { InvalidParamError } from './errors.js';

/** Sends one request to a real HTTP server whose handler answers with what `handle` returns as text. */
async function served(handle: (req: IncomingMessage, url: URL) => Promise<string>, path: string, init: RequestInit): Promise<{ status: number; text: string }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    handle(req, new URL(req.url ?? '/', 'http://x')).then(
      (text) => res.end(text),
      (err: Error) => res.writeHead(400).end(`error: ${err.message}`),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, init);
    return { status: res.status, text: await res.text() };
  } catch (err) {
    return { status: 0, text: (err as Error).message };
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

const form = (body: string): RequestInit => ({ method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });

const p = (o: Record<string, string>) => new URLSearchParams(o);

describe('API parameters', () => {
  it('reads times as float seconds or RFC 3339', () => {
    expect(parseTimeParam(p({ time: '1700000000.123' }), 'time')).toBe(1_700_000_000_123);
    expect(parseTimeParam(p({ time: '2023-11-14T22:13:20Z' }), 'time')).toBe(1_700_000_000_000);
    expect(parseTimeParam(p({ time: '2023-11-14T23:13:20.5+01:00' }), 'time')).toBe(1_700_000_000_500);
    expect(parseTimeParam(p({}), 'time', 42)).toBe(42);
  });

  it('names the parameter in errors, as Prometheus does', () => {
    expect(() => parseTimeParam(p({ end: 'soon' }), 'end')).toThrow('invalid parameter "end": cannot parse "soon" to a valid timestamp');
    expect(() => parseTimeParam(p({}), 'start')).toThrow(InvalidParamError);
    expect(() => parseDurationParam(p({ step: '5x' }), 'step')).toThrow('invalid parameter "step": cannot parse "5x" to a valid duration');
    expect(() => parseDurationParam(p({ step: '1e30' }), 'step')).toThrow('It overflows int64');
    expect(() => parseLimitParam(p({ limit: '-1' }))).toThrow('invalid parameter "limit"');
  });

  it('reads durations as float seconds or Prometheus durations', () => {
    expect(parseDurationParam(p({ step: '15' }), 'step')).toBe(15_000);
    expect(parseDurationParam(p({ step: '0.5' }), 'step')).toBe(500);
    expect(parseDurationParam(p({ step: '1h30m' }), 'step')).toBe(5_400_000);
    expect(parseDurationParam(p({ step: '250ms' }), 'step')).toBe(250);
    expect(parseDurationParam(p({}), 'step')).toBeUndefined();
  });

  it('reads a form body\'s fields before the URL\'s, and only the URL\'s once the body has been read', async () => {
    const r = await served(async (req, url) => {
      const first = await requestParams(req, url);
      const second = await requestParams(req, url);
      return JSON.stringify([[...first], [...second]]);
    }, '/q?query=up&time=2', form('query=rate(x%5B5m%5D)&start=1'));
    expect(JSON.parse(r.text)).toEqual([
      [['query', 'rate(x[5m])'], ['start', '1'], ['query', 'up'], ['time', '2']],
      [['query', 'up'], ['time', '2']],
    ]);
  });

  it('reads a body sent in several pieces whole', async () => {
    const pieces = ['query=sum', '(rate(x', '[5m]))&start=1'];
    const body = new ReadableStream<Uint8Array>({
      async pull(c) {
        const p = pieces.shift();
        if (p === undefined) c.close();
        else {
          await new Promise((r) => setTimeout(r, 5));
          c.enqueue(new TextEncoder().encode(p));
        }
      },
    });
    const r = await served(async (req) => (await readBody(req, 1 << 20)).toString(), '/', { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(r.text).toBe('query=sum(rate(x[5m]))&start=1');
  });

  it('refuses a body longer than its limit, naming the limit', async () => {
    let refused = '';
    await served(async (req) => {
      try {
        await readBody(req, 10);
      } catch (err) {
        refused = (err as Error).message;
      }
      return '';
    }, '/', form('query=up&start=1&end=2'));
    expect(refused).toBe('request body larger than 10 bytes');
  });
});
