import { readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server as HttpsServer, ServerOptions as HttpsServerOptions } from 'node:https';
import { createSecureContext, type SecureContextOptions, type TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { ConfigError, formatProblem } from '../config/index.js';
import { BasicAuthVerifier, parseBasic, type BcryptCompare } from './basic-auth.js';
import { loadWebConfig, parseWebConfig, type TlsServerConfig, type WebConfig } from './web-config.js';

/** TLS 1.3 suites stay on when the file restricts the older ones, as in Go (where they are not configurable). */
const TLS13_SUITES = 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256';

/**
 * The listener's `--web.config.file` in force: TLS, response headers and basic auth. The file
 * and the certificate, key and CA files it names are checked for changes (stat) on every new
 * connection (HTTPS; every request on plain HTTP, where no handshake marks a new client), so
 * rotated certificates, new users or headers take effect without a restart, as
 * exporter-toolkit re-reads the file per request. A change that does not validate, or a
 * certificate that does not match its key (e.g. caught mid-rotation), is logged and the previous
 * configuration stays; switching between HTTP and HTTPS needs a restart.
 */
export class WebSecurity {
  private signature: string;
  private auth: BasicAuthVerifier;

  private constructor(
    private config: WebConfig,
    private readonly log: Logger,
    private readonly compare: BcryptCompare | undefined,
  ) {
    this.signature = fileSignature(config);
    this.auth = new BasicAuthVerifier(config.users, compare);
  }

  /** Reads and validates the file and the TLS files it names. Throws ConfigError. */
  static async load(file: string, log: Logger, compare?: BcryptCompare): Promise<WebSecurity> {
    const config = await loadWebConfig(file);
    if (config.tls !== undefined) secureContextOptions(config.tls, file);
    return new WebSecurity(config, log, compare);
  }

  /** Whether the listener serves HTTPS. */
  get tls(): boolean {
    return this.config.tls !== undefined;
  }

  /** Options for `https.createServer` (only when `tls`). */
  serverOptions(): HttpsServerOptions {
    const tls = this.config.tls;
    if (tls === undefined) throw new Error('serverOptions() without tls_server_config');
    return { ...secureContextOptions(tls, this.config.file), ...clientCertPolicy(tls) };
  }

  /** Hooks the reload check and the client-certificate rules Node does not enforce itself to the HTTPS server. */
  attach(server: HttpsServer): void {
    // Before the TLS handshake starts on the connection: it then uses the refreshed context.
    server.prependListener('connection', () => this.refresh(server));
    server.on('secureConnection', (socket: TLSSocket) => {
      const why = this.rejectClient(socket);
      if (why !== undefined) {
        this.log.warn({ remote: socket.remoteAddress, reason: why }, 'TLS client rejected');
        socket.destroy();
      }
    });
    server.on('tlsClientError', (err, socket) => this.log.debug({ err, remote: socket.remoteAddress }, 'TLS handshake failed'));
  }

  /**
   * Adds the configured headers and checks basic auth; answers 401 and returns false when the
   * request may not go on. Every endpoint is protected, as in exporter-toolkit.
   */
  async admit(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (!this.tls) this.refresh(undefined);
    for (const [name, value] of Object.entries(this.config.headers)) res.setHeader(name, value);
    if (!this.auth.enabled) return true;
    if (await this.auth.check(req.headers.authorization)) return true;
    res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Basic' }).end('Unauthorized\n');
    return false;
  }

  /**
   * The user basic auth verified for an admitted request; undefined without `basic_auth_users`,
   * where an Authorization header proves nothing.
   */
  authenticatedUser(req: IncomingMessage): string | undefined {
    return this.auth.enabled ? parseBasic(req.headers.authorization)?.user : undefined;
  }

  private refresh(server: HttpsServer | undefined): void {
    const signature = fileSignature(this.config);
    if (signature === this.signature) return;
    let next: WebConfig;
    try {
      next = parseWebConfig(readFileSync(this.config.file, 'utf8'), this.config.file);
      if ((next.tls === undefined) !== (this.config.tls === undefined)) {
        throw new Error('switching between HTTP and HTTPS (tls_server_config) needs a restart');
      }
      if (next.tls !== undefined && server !== undefined) {
        server.setSecureContext(secureContextOptions(next.tls, next.file));
        const policy = clientCertPolicy(next.tls);
        // tls.Server reads these per connection.
        Object.assign(server, { requestCert: policy.requestCert, rejectUnauthorized: policy.rejectUnauthorized });
      }
    } catch (err) {
      // Keep the old signature: the next connection tries again (a rotation may be half done).
      this.log.error({ err, file: this.config.file, reason: describe(err) }, 'web configuration not reloaded; keeping the previous one');
      return;
    }
    this.signature = fileSignature(next);
    this.config = next;
    this.auth = new BasicAuthVerifier(next.users, this.compare);
    this.log.info({ file: next.file }, 'web configuration reloaded');
  }

  /** Why a connection that completed the handshake is refused, or undefined. */
  private rejectClient(socket: TLSSocket): string | undefined {
    const tls = this.config.tls;
    if (tls === undefined) return undefined;
    const cert = socket.getPeerCertificate();
    const given = cert !== null && Object.keys(cert).length > 0;
    if (tls.clientAuth === 'RequireAnyClientCert' && !given) return 'no client certificate';
    if (tls.clientAuth === 'VerifyClientCertIfGiven' && given && !socket.authorized) return `client certificate not verified: ${String(socket.authorizationError)}`;
    if (tls.clientAllowedSans !== undefined && given) {
      const sans = (cert.subjectaltname ?? '').split(/,\s*/).map((s) => s.slice(s.indexOf(':') + 1));
      if (!tls.clientAllowedSans.some((a) => sans.includes(a))) return `client certificate SANs ${JSON.stringify(sans)} not allowed`;
    }
    return undefined;
  }
}

function clientCertPolicy(tls: TlsServerConfig): { requestCert: boolean; rejectUnauthorized: boolean } {
  return { requestCert: tls.clientAuth !== 'NoClientCert', rejectUnauthorized: tls.clientAuth === 'RequireAndVerifyClientCert' };
}

/** Reads the TLS files; throws ConfigError naming the file and field that cannot be used. */
function secureContextOptions(tls: TlsServerConfig, file: string): SecureContextOptions {
  const read = (path: string, field: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new ConfigError(file, [{ path: `tls_server_config.${field}`, message: `cannot read ${path}: ${(err as Error).message}` }]);
    }
  };
  const opts: SecureContextOptions = {
    cert: tls.certFile !== undefined ? read(tls.certFile, 'cert_file') : tls.cert,
    key: tls.keyFile !== undefined ? read(tls.keyFile, 'key_file') : tls.key,
    ca: tls.clientCaFile !== undefined ? read(tls.clientCaFile, 'client_ca_file') : undefined,
    minVersion: tls.minVersion,
    maxVersion: tls.maxVersion,
    ciphers: tls.ciphers === undefined ? undefined : `${TLS13_SUITES}:${tls.ciphers}`,
    honorCipherOrder: tls.honorCipherOrder,
  };
  try {
    // Catches a key that does not match its certificate, or PEM that is not PEM, here and not at the first handshake.
    createSecureContext(opts);
  } catch (err) {
    throw new ConfigError(file, [{ path: 'tls_server_config', message: `cannot use the certificate and key: ${(err as Error).message}` }]);
  }
  return opts;
}

function fileSignature(c: WebConfig): string {
  return [c.file, c.tls?.certFile, c.tls?.keyFile, c.tls?.clientCaFile]
    .map((p) => {
      if (p === undefined) return '-';
      try {
        const s = statSync(p);
        return `${s.ino}:${s.size}:${s.mtimeMs}`;
      } catch {
        return 'missing';
      }
    })
    .join('|');
}

function describe(err: unknown): string {
  if (err instanceof ConfigError) return err.problems.map(formatProblem).join('; ');
  return err instanceof Error ? err.message : String(err);
}
