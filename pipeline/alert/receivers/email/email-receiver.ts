import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

import { createTransport } from 'nodemailer';

import type { EmailConfigInput } from '../../notify/config/index.js';
import { ReceiverError } from '../errors.js';
import type { Notification } from '../notification.js';
import type { Receiver, SendResult } from '../receiver.js';
import type { TemplateRenderer } from '../template-renderer.js';

/** Alertmanager's email defaults (DefaultEmailConfig) plus a text body from the default alert list. */
export const EMAIL_DEFAULTS = {
  html: '{{ template "email.default.html" . }}',
  subject: '{{ template "email.default.subject" . }}',
} as const;

function secret(value: string | undefined, file: string | undefined): string | undefined {
  if (value !== undefined && value !== '') return value;
  if (file !== undefined && file !== '') return readFileSync(file, 'utf8').trim();
  return undefined;
}

function fail(message: string, retryable: boolean, cause?: unknown, status?: number): SendResult {
  return { ok: false, retryable, error: new ReceiverError(`email: ${message}`, { code: 'smtp_failed', retryable, integration: 'email', status, cause }) };
}

/**
 * email_configs over SMTP (nodemailer): implicit TLS on port 465 or with force_implicit_tls,
 * otherwise STARTTLS, required unless require_tls is false (then plain, as upstream); AUTH
 * PLAIN/LOGIN with auth_username and auth_password, CRAM-MD5 with auth_secret. Subject, HTML and
 * text bodies and extra headers are templates.
 */
export class EmailReceiver implements Receiver {
  readonly kind = 'email';
  readonly sendResolved: boolean;

  constructor(private readonly cfg: EmailConfigInput, private readonly templates: TemplateRenderer) {
    this.sendResolved = cfg.send_resolved ?? false;
  }

  async send(n: Notification, signal: AbortSignal): Promise<SendResult> {
    const c = this.cfg;
    const [host, portText] = splitHostPort(c.smarthost ?? '');
    const port = Number(portText);
    let to: string, from: string, subject: string, html: string | undefined, text: string | undefined;
    const headers: Record<string, string> = {};
    try {
      const t = (s: string) => this.templates.text(s, n);
      to = t(c.to ?? '');
      from = t(c.from ?? '');
      const hdrs = { Subject: EMAIL_DEFAULTS.subject, ...(c.headers ?? {}) };
      for (const [k, v] of Object.entries(hdrs)) {
        if (/^(to|from)$/i.test(k)) continue;
        if (/^subject$/i.test(k)) subject = t(v);
        else headers[k] = t(v);
      }
      subject ??= '';
      html = this.templates.html(c.html ?? EMAIL_DEFAULTS.html, n);
      text = c.text !== undefined && c.text !== '' ? t(c.text) : undefined;
    } catch (err) {
      return fail(`rendering templates: ${(err as Error).message}`, false, err);
    }
    const implicitTls = c.force_implicit_tls === true || port === 465;
    const requireTls = c.require_tls ?? true;
    const user = c.auth_username;
    const password = secret(c.auth_password, c.auth_password_file);
    const cram = secret(c.auth_secret, c.auth_secret_file);
    const tls = c.tls_config;
    const transport = createTransport({
      host,
      port,
      secure: implicitTls,
      requireTLS: !implicitTls && requireTls,
      ignoreTLS: !implicitTls && !requireTls,
      name: c.hello ?? hostname(),
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
      tls: {
        rejectUnauthorized: tls?.insecure_skip_verify !== true,
        servername: tls?.server_name !== undefined && tls.server_name !== '' ? tls.server_name : host,
        ...(tls?.ca_file !== undefined && tls.ca_file !== '' ? { ca: readFileSync(tls.ca_file) } : tls?.ca !== undefined ? { ca: tls.ca } : {}),
      },
      ...(user !== undefined && user !== '' ? { auth: { user, pass: password ?? '' } } : {}),
      ...(cram !== undefined && user !== undefined ? { authMethod: 'CRAM-MD5', auth: { user, pass: cram } } : {}),
    });
    const onAbort = () => transport.close();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await transport.sendMail({ from, to, subject: subject!, html, text, headers, date: new Date(n.timestamp) });
      return { ok: true };
    } catch (err) {
      const e = err as Error & { code?: string; responseCode?: number };
      // 5xx replies and failed auth are permanent; connection problems and 4xx replies may pass.
      const permanent = e.code === 'EAUTH' || e.code === 'EENVELOPE' || (e.responseCode !== undefined && e.responseCode >= 500);
      return fail(e.message, !permanent, err, e.responseCode);
    } finally {
      signal.removeEventListener('abort', onAbort);
      transport.close();
    }
  }
}

function splitHostPort(s: string): [string, string] {
  const m = /^(?:\[([^\]]*)\]|([^:]*)):(\d*)$/.exec(s);
  return m === null ? [s, '25'] : [m[1] ?? m[2] ?? '', m[3] || '25'];
}
