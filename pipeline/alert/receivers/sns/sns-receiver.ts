import type { SnsConfigInput } from '../../notify/config/index.js';
import { buildFailure, ReceiverError } from '../errors.js';
import { httpRequest, type RequestResult } from '../http-post.js';
import { groupKeyHash, type Notification } from '../notification.js';
import type { Receiver, SendResult } from '../receiver.js';
import type { TemplateRenderer } from '../template-renderer.js';
import { awsRegion, baseCredentials, xmlValue } from './aws-credentials.js';
import { formEncode, signV4, type AwsCredentials } from './sigv4.js';

/** Alertmanager's DefaultSNSConfig templates. */
export const SNS_DEFAULTS = {
  subject: '{{ template "sns.default.subject" . }}',
  message: '{{ template "sns.default.message" . }}',
} as const;

const MAX_MESSAGE_BYTES = 256 * 1024;
const MAX_SMS_BYTES = 1600;

// Cut to `n` bytes as Alertmanager's validateAndTruncateMessage does (a byte copy; a split rune decodes to U+FFFD).
function truncateBytes(s: string, n: number): { text: string; truncated: boolean } {
  const b = Buffer.from(s);
  return b.length <= n ? { text: s, truncated: false } : { text: b.subarray(0, n).toString('utf8'), truncated: true };
}

/**
 * sns_configs: the SNS Publish action in the AWS Query protocol (form-encoded body, Version
 * 2010-03-31), signed with Signature Version 4. The endpoint is api_url or
 * AWS_ENDPOINT_URL_SNS / AWS_ENDPOINT_URL or https://sns.{region}.amazonaws.com/; credentials come
 * from sigv4 (access key, environment, profile, and the role in role_arn assumed through STS). FIFO topics get the group key's SHA-256 as
 * deduplication and group id. Only 5xx and network errors retry.
 */
export class SnsReceiver implements Receiver {
  readonly kind = 'sns';
  readonly sendResolved: boolean;
  private assumed: { creds: AwsCredentials; expires: number } | undefined;

  constructor(
    private readonly cfg: SnsConfigInput,
    private readonly templates: TemplateRenderer,
    private readonly now: () => number = Date.now,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.sendResolved = cfg.send_resolved ?? true;
  }

  /** The Publish parameters (before form encoding). */
  publishParameters(n: Notification): Record<string, string> {
    const c = this.cfg;
    const t = (s: string | undefined, d = '') => this.templates.text(s ?? d, n);
    const p: Record<string, string> = { Action: 'Publish', Version: '2010-03-31' };
    const attributes: Record<string, string> = {};
    for (const [k, v] of Object.entries(c.attributes ?? {})) attributes[t(k)] = t(v);
    let limit = MAX_MESSAGE_BYTES;
    if (c.topic_arn) {
      const arn = t(c.topic_arn);
      p.TopicArn = arn;
      if (arn.endsWith('.fifo')) {
        p.MessageDeduplicationId = groupKeyHash(n);
        p.MessageGroupId = groupKeyHash(n);
      }
    }
    if (c.phone_number) {
      p.PhoneNumber = t(c.phone_number);
      limit = MAX_SMS_BYTES;
    }
    if (c.target_arn) p.TargetArn = t(c.target_arn);
    const message = truncateBytes(t(c.message, SNS_DEFAULTS.message), limit);
    if (message.truncated) attributes.truncated = 'true';
    p.Message = message.text;
    Object.keys(attributes).sort().forEach((k, i) => {
      p[`MessageAttributes.entry.${i + 1}.Name`] = k;
      p[`MessageAttributes.entry.${i + 1}.Value.DataType`] = 'String';
      p[`MessageAttributes.entry.${i + 1}.Value.StringValue`] = attributes[k]!;
    });
    const subject = c.subject ?? SNS_DEFAULTS.subject;
    if (subject !== '') p.Subject = t(subject);
    return p;
  }

  private async credentials(region: string, signal: AbortSignal): Promise<AwsCredentials> {
    const c = this.cfg.sigv4;
    const base = baseCredentials(c, this.env);
    if (!c?.role_arn) return base;
    if (this.assumed !== undefined && this.assumed.expires - 60_000 > this.now()) return this.assumed.creds;
    // STS AssumeRole, itself a signed Query API call; AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL move
    // the endpoint as they do for the AWS SDKs.
    const override = this.env.AWS_ENDPOINT_URL_STS || this.env.AWS_ENDPOINT_URL;
    const sts = new URL(override || `https://${c.use_fips_sts_endpoint === true ? 'sts-fips' : 'sts'}.${region}.amazonaws.com/`);
    if (!sts.pathname.endsWith('/')) sts.pathname += '/';
    const body = Buffer.from(formEncode({ Action: 'AssumeRole', RoleArn: c.role_arn, RoleSessionName: `tidemark-${this.now()}`, Version: '2011-06-15' }));
    const headers = signV4({ method: 'POST', url: sts, headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'content-length': String(body.length) }, body, region, service: 'sts', credentials: base, now: this.now() });
    const r = await httpRequest(sts.toString(), { integration: 'sns', method: 'POST', body, contentType: headers['content-type'], headers, retryCodes: [] }, signal);
    if (!r.ok) throw r.error;
    const id = xmlValue(r.body ?? '', 'AccessKeyId');
    const secret = xmlValue(r.body ?? '', 'SecretAccessKey');
    if (id === undefined || secret === undefined) throw new Error(`STS AssumeRole answered without credentials: ${(r.body ?? '').slice(0, 200)}`);
    const creds = { accessKeyId: id, secretAccessKey: secret, sessionToken: xmlValue(r.body ?? '', 'SessionToken') };
    this.assumed = { creds, expires: Date.parse(xmlValue(r.body ?? '', 'Expiration') ?? '') || this.now() + 900_000 };
    return creds;
  }

  async send(n: Notification, signal: AbortSignal): Promise<SendResult> {
    let params: Record<string, string>;
    let region: string;
    let endpoint: URL;
    try {
      region = awsRegion(this.cfg.sigv4, this.env);
      const api = this.templates.text(this.cfg.api_url ?? '', n);
      endpoint = new URL(api || this.env.AWS_ENDPOINT_URL_SNS || this.env.AWS_ENDPOINT_URL || `https://sns.${region}.amazonaws.com/`);
      // The SDK joins the endpoint's path with the operation path "/".
      if (!endpoint.pathname.endsWith('/')) endpoint.pathname += '/';
      params = this.publishParameters(n);
    } catch (err) {
      return buildFailure('sns', err);
    }
    let creds: AwsCredentials;
    try {
      creds = await this.credentials(region, signal);
    } catch (err) {
      return { ok: false, retryable: true, error: buildFailure('sns', err).error };
    }
    const body = Buffer.from(formEncode(params));
    const contentType = 'application/x-www-form-urlencoded; charset=utf-8';
    const headers = signV4({ method: 'POST', url: endpoint, headers: { 'content-type': contentType, 'content-length': String(body.length) }, body, region, service: 'sns', credentials: creds, now: this.now() });
    delete headers['content-length'];
    delete headers.host;
    const r: RequestResult = await httpRequest(endpoint.toString(), { integration: 'sns', method: 'POST', body, contentType, headers, httpConfig: this.cfg.http_config, retryCodes: [] }, signal);
    if (r.ok) return { ok: true };
    // AWS puts the reason in an XML error document.
    const code = xmlValue(r.body ?? '', 'Code');
    const message = xmlValue(r.body ?? '', 'Message');
    if (code === undefined) return { ok: false, retryable: r.retryable, error: r.error };
    return { ok: false, retryable: r.retryable, error: new ReceiverError(`sns: ${code}: ${message ?? ''} (status ${r.status})`, { code: 'bad_status', retryable: r.retryable, integration: 'sns', status: r.status }) };
  }
}
