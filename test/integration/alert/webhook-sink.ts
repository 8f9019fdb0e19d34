import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SinkRequest {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: any;
  readonly at: number;
}

/**
 * A node:http server that records every POSTed JSON body. `respond` picks the status per request
 * (default 200), so tests can make a receiver fail.
 */
export class WebhookSink {
  readonly requests: SinkRequest[] = [];
  /** Status (and optional body) per request; only 2xx answers are recorded in `requests`. */
  respond: (req: SinkRequest, index: number) => number | { status: number; body: string } = () => 200;
  private waiters: { n: number; resolve: () => void }[] = [];

  private readonly server: Server;

  private constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try { body = JSON.parse(text); } catch { /* keep text */ }
        const r: SinkRequest = { path: req.url ?? '/', headers: req.headers, body, at: Date.now() };
        const answer = this.respond(r, this.requests.length);
        const { status, body: reply } = typeof answer === 'number' ? { status: answer, body: '' } : answer;
        if (status >= 200 && status < 300) {
          this.requests.push(r);
          this.waiters = this.waiters.filter((w) => (this.requests.length >= w.n ? (w.resolve(), false) : true));
        }
        res.writeHead(status, reply !== '' ? { 'content-type': reply.startsWith('{') ? 'application/json' : 'text/plain' } : {}).end(reply);
      });
    });
  }

  static async start(): Promise<WebhookSink> {
    const sink = new WebhookSink();
    await new Promise<void>((r) => sink.server.listen(0, '127.0.0.1', r));
    return sink;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  /** Resolves once `n` requests were accepted in all. */
  waitFor(n: number, timeoutMs = 60_000): Promise<void> {
    if (this.requests.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`sink got ${this.requests.length} of ${n} requests`)), timeoutMs);
      this.waiters.push({ n, resolve: () => { clearTimeout(t); resolve(); } });
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
