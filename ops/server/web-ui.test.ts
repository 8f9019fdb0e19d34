import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { PAGES_META, PAGES_PLACEHOLDER, PRELOAD_END, PRELOAD_START, pagesOf } from '../web-ui/pages.js';
import { HttpRouter } from './http-router.js';
import { HttpServer } from './http-server.js';
import { mountWebUi, servedIndex, type WebUiOptions } from './web-ui.js';

describe('mountWebUi', () => {
  let dir: string;
  const servers: HttpServer[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-web-ui-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), `<meta name="${PAGES_META}" content="${PAGES_PLACEHOLDER}"><script src="/assets/app-ABC123.js"></script>`);
    await writeFile(join(dir, 'assets', 'app-ABC123.js'), 'console.log("app")');
    await writeFile(join(dir, 'assets', 'app-ABC123.css'), 'body{}');
    await writeFile(join(dir, 'assets', 'app-ABC123.css.gz'), gzipSync('body{}'));
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function serve(opts: WebUiOptions): Promise<string> {
    const router = new HttpRouter();
    mountWebUi(router, opts);
    const server = new HttpServer(router, pino({ level: 'silent' }));
    servers.push(server);
    const a = await server.listen({ host: '127.0.0.1', port: 0 });
    return `http://127.0.0.1:${a.port}`;
  }

  it('redirects / to the first page of the role, keeping the query string', async () => {
    const url = await serve({ apps: ['prometheus'], dir });
    const res = await fetch(`${url}/?g0.expr=up`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/query?g0.expr=up');
  });

  it('answers every path of a served page with the index naming the pages the role serves, never cached', async () => {
    const url = await serve({ apps: ['prometheus'], dir });
    for (const path of ['/graph', '/query', '/targets', '/status']) {
      const res = await fetch(`${url}${path}?g0.expr=up`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      const ids = pagesOf(['prometheus']).map((p) => p.id).join(',');
      expect(await res.text()).toContain(`content="${ids}"`);
    }
    expect((await fetch(`${url}/no-such-page`)).status).toBe(404);
  });

  it('serves only the named pages of a product to a role that answers part of its API, and sends / to the first of them', async () => {
    const url = await serve({ apps: ['prometheus', 'bus'], only: ['alerts', 'rules', 'bus'], dir });
    const res = await fetch(`${url}/`, { redirect: 'manual' });
    expect(res.headers.get('location')).toBe('/alerts');
    expect(await (await fetch(`${url}/rules`)).text()).toContain('content="alerts,rules,bus"');
    expect((await fetch(`${url}/query`)).status).toBe(404);
    expect((await fetch(`${url}/targets`)).status).toBe(404);
  });

  it('serves the bundle files with their content type, cached for good since their names carry a hash', async () => {
    const url = await serve({ apps: ['prometheus'], dir });
    const js = await fetch(`${url}/assets/app-ABC123.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await js.text()).toBe('console.log("app")');
    expect((await fetch(`${url}/assets/app-ABC123.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('serves the precompressed copy to a client that takes gzip, the plain file to one that does not', async () => {
    const url = await serve({ apps: ['prometheus'], dir });
    const gz = await fetch(`${url}/assets/app-ABC123.css`, { headers: { 'accept-encoding': 'gzip, br' } });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gz.headers.get('vary')).toBe('accept-encoding');
    // fetch decodes the body by content-encoding: the text is the stylesheet.
    expect(await gz.text()).toBe('body{}');
    const plain = await fetch(`${url}/assets/app-ABC123.css`, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toBe('body{}');
    // No .gz beside it: the plain file, also to a gzip client.
    const js = await fetch(`${url}/assets/app-ABC123.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(js.headers.get('content-encoding')).toBeNull();
    expect(await js.text()).toBe('console.log("app")');
  });

  it('keeps the preloads of the first page only for a role whose home page it is', () => {
    const html = `<meta content="${PAGES_PLACEHOLDER}">${PRELOAD_START}<link rel="modulepreload" href="/assets/query-X.js">${PRELOAD_END}<body>`;
    expect(servedIndex(html, 'query,flags', true)).toBe(`<meta content="query,flags">${PRELOAD_START}<link rel="modulepreload" href="/assets/query-X.js">${PRELOAD_END}<body>`);
    expect(servedIndex(html, 'silences', false)).toBe('<meta content="silences"><body>');
  });

  it('serves nothing outside the bundle directory and no file it does not have', async () => {
    const url = await serve({ apps: ['prometheus'], dir });
    for (const path of ['/assets/..%2Findex.html', '/assets/%2E%2E/index.html', '/assets/app-NOPE.js', '/assets/index.html', '/assets/']) {
      expect((await fetch(`${url}${path}`)).status, path).toBe(404);
    }
  });

  it('answers 503 with how to build the UI when the bundle is missing', async () => {
    const url = await serve({ apps: ['prometheus'], dir: join(dir, 'not-built') });
    const res = await fetch(`${url}/query`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('npm run build');
  });
});
