import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the sink saw it: method, path with query, headers and the raw body. */
export interface ApiRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface ApiAnswer {
  readonly status: number;
  readonly body?: string;
  readonly contentType?: string;
}

/**
 * A node:http server standing in for a notification service's API (PagerDuty, Opsgenie, SNS,
 * Telegram, Jira, ...): it records every request and answers what `answer` says (default 200 and
 * an empty body), so a test can play the service's part of a conversation.
 */
export class ApiSink {
  readonly requests: ApiRequest[] = [];
  answer: (req: ApiRequest) => ApiAnswer = () => ({ status: 200 });
  private readonly server: Server;

  private constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const r: ApiRequest = { method: req.method ?? '', url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.requests.push(r);
        const a = this.answer(r);
        const body = a.body ?? '';
        res.writeHead(a.status, body !== '' ? { 'content-type': a.contentType ?? (body.startsWith('<') ? 'text/xml' : 'application/json') } : {}).end(body);
      });
    });
  }

  static async start(): Promise<ApiSink> {
    const sink = new ApiSink();
    await new Promise<void>((r) => sink.server.listen(0, '127.0.0.1', r));
    return sink;
  }

  /** `http://127.0.0.1:PORT` (no trailing slash). */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Requests whose path starts with `prefix`. */
  to(prefix: string): ApiRequest[] {
    return this.requests.filter((r) => r.url.startsWith(prefix));
  }

  /** Waits until `pred` holds for the recorded requests. */
  async waitUntil(pred: (reqs: readonly ApiRequest[]) => boolean, what: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this.requests)) {
      if (Date.now() > deadline) throw new Error(`${what}: not seen within ${timeoutMs} ms; got ${this.requests.map((r) => `${r.method} ${r.url}`).join(', ')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
