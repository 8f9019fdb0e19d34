import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PAGES, PAGES_PLACEHOLDER, PRELOAD_END, PRELOAD_START, pagesOf, type WebUiApp } from '../web-ui/pages.js';
import type { HttpRouter } from './http-router.js';

/** Where `npm run build` puts the bundled app (dist/web-ui), from this module in dist/ or in the source tree. */
export function defaultWebUiDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return here.includes('/dist/') ? join(here, '../../web-ui') : join(here, '../../dist/web-ui');
}

export interface WebUiOptions {
  /** The products whose pages this role serves. */
  readonly apps: readonly WebUiApp[];
  /** Of those, only the pages with these ids (a role that serves part of a product's API). */
  readonly only?: readonly string[];
  /** The bundle's directory (defaults to dist/web-ui). */
  readonly dir?: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/**
 * Mounts the web UI: `/` redirects to the role's first page, each page's paths answer with the
 * app's index.html (naming the pages this role serves), and `/assets/*` serves the bundle's
 * content-hashed files, cached for good by browsers. Files are read from disk once and kept;
 * a missing bundle is answered with 503 and how to build it, not a crash, so roles also run
 * from an unbuilt tree. Authentication is the listener's (--web.config.file), as for the API.
 */
export function mountWebUi(router: HttpRouter, opts: WebUiOptions): void {
  const dir = opts.dir ?? defaultWebUiDir();
  const only = opts.only;
  const pages = pagesOf(opts.apps).filter((p) => only === undefined || only.includes(p.id));
  if (pages.length === 0) return;
  const files = new Map<string, Promise<Buffer>>();
  const read = (name: string): Promise<Buffer> => {
    let f = files.get(name);
    if (f === undefined) {
      f = readFile(join(dir, name));
      files.set(name, f);
      // A failed read (not built yet) is tried again on the next request.
      f.catch(() => files.delete(name));
    }
    return f;
  };
  const missing = (err: unknown): boolean => (err as NodeJS.ErrnoException).code === 'ENOENT';
  const ids = pages.map((p) => p.id).join(',');
  const keepPreload = pages[0].id === PAGES[0].id;

  const index = async (res: ServerResponse): Promise<void> => {
    let html: Buffer;
    try {
      html = await read('index.html');
    } catch (err) {
      if (!missing(err)) throw err;
      res
        .writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
        .end(`The web UI is not built (no ${join(dir, 'index.html')}): run npm run build. The HTTP API is at /api/v1/.\n`);
      return;
    }
    // The page set differs per role; the HTML is small and never cached, the assets it names are.
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' })
      .end(servedIndex(html.toString('utf8'), ids, keepPreload));
  };

  router.add(['GET', 'HEAD'], '/', (_req, res, url) => {
    res.writeHead(302, { location: `${pages[0].paths[0]}${url.search}` }).end();
  });
  for (const page of pages) {
    for (const path of page.paths) router.add(['GET', 'HEAD'], path, (_req, res) => index(res));
  }
  router.add(['GET', 'HEAD'], '/assets/*', async (req, res, url) => {
    const name = url.pathname.slice('/assets/'.length);
    const type = CONTENT_TYPES[extname(name)];
    // Bundle file names only: no directories, so nothing outside the bundle can be named.
    if (!/^[\w.-]+$/.test(name) || name.startsWith('.') || type === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
      return;
    }
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    let body: Buffer | undefined;
    let encoding: string | undefined;
    try {
      // The bundler writes a .gz beside each script and stylesheet.
      if (gzip && (name.endsWith('.js') || name.endsWith('.css'))) {
        body = await read(join('assets', `${name}.gz`)).catch((err: unknown) => {
          if (missing(err)) return undefined;
          throw err;
        });
        if (body !== undefined) encoding = 'gzip';
      }
      body ??= await read(join('assets', name));
    } catch (err) {
      if (!missing(err)) throw err;
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
      return;
    }
    res
      .writeHead(200, {
        'content-type': type,
        'content-length': body.length,
        ...(encoding === undefined ? {} : { 'content-encoding': encoding }),
        vary: 'accept-encoding',
        // The names carry a hash of the content: a new build is a new name.
        'cache-control': 'public, max-age=31536000, immutable',
      })
      .end(body);
  });
}

/** The index as this role serves it: its pages named, the first page's preloads kept only when that page is the role's home. */
export function servedIndex(html: string, ids: string, keepPreload: boolean): string {
  let out = html.replace(PAGES_PLACEHOLDER, ids);
  const start = out.indexOf(PRELOAD_START);
  const end = out.indexOf(PRELOAD_END);
  if (!keepPreload && start >= 0 && end > start) out = out.slice(0, start) + out.slice(end + PRELOAD_END.length);
  return out;
}
