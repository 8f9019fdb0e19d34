import type { IncidentioConfigInput } from '../../notify/config/index.js';
import { buildFailure } from '../errors.js';
import { deliver, secretValue, targetUrl } from '../http-post.js';
import type { Notification } from '../notification.js';
import type { Receiver, SendResult } from '../receiver.js';
import { webhookPayload } from '../webhook/index.js';

const MAX_PAYLOAD_BYTES = 512 * 1024;

/**
 * incidentio_configs: the webhook message (template data, groupKey, truncatedAlerts) as version
 * "1", with alert_source_token as the bearer token; max_alerts truncates, and a body over 512 kB
 * keeps only the first alert. 429 and 5xx retry.
 */
export class IncidentioReceiver implements Receiver {
  readonly kind = 'incidentio';
  readonly sendResolved: boolean;

  constructor(private readonly cfg: IncidentioConfigInput) {
    this.sendResolved = cfg.send_resolved ?? true;
  }

  async send(n: Notification, signal: AbortSignal): Promise<SendResult> {
    const c = this.cfg;
    let url: string;
    let headers: Record<string, string> = {};
    let body: Record<string, unknown>;
    try {
      body = { ...webhookPayload(n, c.max_alerts ?? 0), version: '1' };
      if (Buffer.byteLength(JSON.stringify(body)) + 1 > MAX_PAYLOAD_BYTES) body.alerts = (body.alerts as unknown[]).slice(0, 1);
      url = targetUrl(c.url, c.url_file, (s) => s);
      const token = (secretValue(c.alert_source_token, c.alert_source_token_file) ?? '').trim();
      if (token !== '') headers = { authorization: `Bearer ${token}` };
    } catch (err) {
      return buildFailure('incidentio', err);
    }
    const httpConfig = c.http_config === undefined || headers.authorization === undefined ? c.http_config : { ...c.http_config, authorization: undefined, bearer_token: undefined, bearer_token_file: undefined, basic_auth: undefined };
    return deliver(url, { integration: 'incidentio', method: 'POST', body, headers, httpConfig, timeoutMs: c.timeout, retryCodes: [429] }, signal);
  }
}
