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
  readonly text: string;
}

/** An answer as bytes, for a body that need not be text (series columns). */
export interface StoreHttpBytes {
  readonly status: number;
  readonly contentType: string;
  /** The body, at the start of memory of its own (aligned for any typed array view). */
  readonly bytes: Uint8Array;
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

  async post(url: string, body: string, timeoutMs: number): Promise<StoreHttpAnswer> {
    const res = await this.postForBytes(url, body, timeoutMs);
    return { status: res.status, text: Buffer.from(res.bytes.buffer, res.bytes.byteOffset, res.bytes.byteLength).toString('utf8') };
  }

  /**
   * `post`, accepting `accept` besides JSON, the body as bytes; or, when `reader` returns a
   * consumer for the answer's status and content type, the body handed to it piece by piece as it
   * arrives (`bytes` then empty). A consumer that throws fails the request with its error.
   */
  postForBytes(url: string, body: string, timeoutMs: number, accept?: string, reader?: BodyReaderFor): Promise<StoreHttpBytes> {
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
          res.on('end', () => resolve({ status, contentType, bytes: new Uint8Array(0) }));
          res.on('error', reject);
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          chunks.push(c);
          size += c.length;
        });
        res.on('end', () => {
          // Copied once into memory of its own: Buffer.concat may place a small body at any offset of a shared pool.
          const bytes = new Uint8Array(size);
          let at = 0;
          for (const c of chunks) {
            bytes.set(c, at);
            at += c.length;
          }
          resolve({ status, contentType, bytes });
        });
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
