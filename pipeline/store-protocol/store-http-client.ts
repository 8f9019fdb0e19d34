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

  /** `post`, accepting `accept` besides JSON, the body as bytes. */
  postForBytes(url: string, body: string, timeoutMs: number, accept?: string): Promise<StoreHttpBytes> {
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
          resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), bytes });
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
