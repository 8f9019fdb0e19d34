import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type AgentOptions } from 'node:https';

/**
 * How a query role reaches stores whose listeners are locked down by a web configuration file:
 * headers every read carries (Authorization, custom headers) and TLS for `https://` stores.
 */
export interface StoreClientSettings {
  readonly headers?: Readonly<Record<string, string>>;
  readonly tls?: Pick<AgentOptions, 'ca' | 'cert' | 'key' | 'servername' | 'rejectUnauthorized' | 'minVersion' | 'maxVersion'>;
}

export interface StoreHttpAnswer {
  readonly status: number;
  readonly contentType: string;
  /** The body; empty when a body reader took it (`post`'s `reader`). */
  readonly text: string;
}

/** Given an answer's status and content type, a consumer of its body pieces, or undefined to take the body whole. */
export type BodyReaderFor = (status: number, contentType: string) => ((piece: Buffer) => void) | undefined;

/** POSTs JSON to a store's read endpoints over kept-alive connections, with the settings' credentials and TLS. */
export class StoreHttpClient {
  private readonly httpAgent = new HttpAgent({ keepAlive: true });
  private readonly httpsAgent: HttpsAgent;

  constructor(private readonly settings: StoreClientSettings = {}) {
    this.httpsAgent = new HttpsAgent({ keepAlive: true, ...settings.tls });
  }

  /**
   * POSTs `body`, accepting `accept` besides JSON. The answer's body comes back as text, or, when
   * `reader` returns a consumer for its status and content type, is handed to that consumer piece
   * by piece as it arrives. A consumer that throws fails the request with its error.
   */
  post(url: string, body: string, timeoutMs: number, accept?: string, reader?: BodyReaderFor): Promise<StoreHttpAnswer> {
    const u = new URL(url);
    const https = u.protocol === 'https:';
    const payload = Buffer.from(body);
    return new Promise((resolve, reject) => {
      const req = (https ? httpsRequest : httpRequest)(u, {
        method: 'POST',
        agent: https ? this.httpsAgent : this.httpAgent,
        headers: {
          ...this.settings.headers,
          'content-type': 'application/json',
          'content-length': String(payload.length),
          ...(accept === undefined ? {} : { accept: `${accept}, application/json` }),
        },
        signal: AbortSignal.timeout(timeoutMs),
      }, (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        const contentType = String(res.headers['content-type'] ?? '');
        const consume = reader?.(status, contentType);
        if (consume !== undefined) {
          res.on('data', (c: Buffer) => {
            try {
              consume(c);
            } catch (err) {
              res.destroy();
              reject(err as Error);
            }
          });
          res.on('end', () => resolve({ status, contentType, text: '' }));
          res.on('error', reject);
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status, contentType, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
