import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** A server's answer to a POST, its body read whole as text. */
export interface PostAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

/**
 * POSTs bodies to one URL over kept-alive connections. The body is written as it is: fetch copies
 * a typed-array body before sending it, and on an import of 4 MiB requests those copies, made
 * outside the heap, asked for most of the command's full garbage collections.
 */
export class HttpPoster {
  private readonly url: URL;
  private readonly agent: HttpAgent;
  private readonly request: typeof httpRequest;

  constructor(url: string) {
    this.url = new URL(url);
    const https = this.url.protocol === 'https:';
    if (!https && this.url.protocol !== 'http:') throw new Error(`${url}: not an http or https URL`);
    this.agent = https ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
    this.request = https ? (httpsRequest as typeof httpRequest) : httpRequest;
  }

  post(body: Uint8Array | string, headers: Readonly<Record<string, string>>): Promise<PostAnswer> {
    return new Promise((resolve, reject) => {
      const req = this.request(this.url, { method: 'POST', agent: this.agent, headers: { ...headers, 'content-length': String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength) } }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (b: Buffer) => parts.push(b));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(parts).toString('utf8') }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }
}
