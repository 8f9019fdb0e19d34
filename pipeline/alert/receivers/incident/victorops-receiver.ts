import type { VictoropsConfigInput } from '../../notify/config/index.js';
import { buildFailure } from '../errors.js';
import { deliver, secretValue } from '../http-post.js';
import { groupKeyHash, type Notification } from '../notification.js';
import type { Receiver, SendResult } from '../receiver.js';
import type { TemplateRenderer } from '../template-renderer.js';
import { truncateInRunes } from '../truncate.js';

/** Alertmanager's DefaultVictorOpsConfig. */
export const VICTOROPS_DEFAULTS = {
  message_type: 'CRITICAL',
  state_message: '{{ template "victorops.default.state_message" . }}',
  entity_display_name: '{{ template "victorops.default.entity_display_name" . }}',
  monitoring_tool: '{{ template "victorops.default.monitoring_tool" . }}',
} as const;

const ALLOWED_FIRING_TYPES = new Set(['INFO', 'WARNING', 'CRITICAL']);
const MAX_STATE_MESSAGE_RUNES = 20_480;

/**
 * victorops_configs (Splunk On-Call REST integration): POST {api_url}{api_key}/{routing_key} with
 * entity_id = SHA-256 of the group key; message_type RECOVERY when the group resolves, CRITICAL
 * when a firing type is not one of INFO/WARNING/CRITICAL. Only 5xx retries.
 */
export class VictoropsReceiver implements Receiver {
  readonly kind = 'victorops';
  readonly sendResolved: boolean;

  constructor(private readonly cfg: VictoropsConfigInput, private readonly templates: TemplateRenderer) {
    this.sendResolved = cfg.send_resolved ?? true;
  }

  async send(n: Notification, signal: AbortSignal): Promise<SendResult> {
    const c = this.cfg;
    let url: string;
    let msg: Record<string, string>;
    try {
      const t = (s: string | undefined, d = '') => this.templates.text(s ?? d, n);
      const apiKey = (secretValue(c.api_key, c.api_key_file) ?? '').trim();
      url = `${c.api_url!}${apiKey}/${t(c.routing_key)}`;
      let messageType = t(c.message_type, VICTOROPS_DEFAULTS.message_type);
      if (n.status === 'firing' && !ALLOWED_FIRING_TYPES.has(messageType)) messageType = 'CRITICAL';
      if (n.status === 'resolved') messageType = 'RECOVERY';
      msg = {
        message_type: messageType,
        entity_id: groupKeyHash(n),
        entity_display_name: t(c.entity_display_name, VICTOROPS_DEFAULTS.entity_display_name),
        state_message: truncateInRunes(t(c.state_message, VICTOROPS_DEFAULTS.state_message), MAX_STATE_MESSAGE_RUNES),
        monitoring_tool: t(c.monitoring_tool, VICTOROPS_DEFAULTS.monitoring_tool),
      };
      for (const [k, v] of Object.entries(c.custom_fields ?? {})) msg[k] = t(v);
    } catch (err) {
      return buildFailure('victorops', err);
    }
    return deliver(url, { integration: 'victorops', method: 'POST', body: msg, httpConfig: c.http_config, retryCodes: [] }, signal);
  }
}
