import type { PagerdutyConfigInput } from '../../notify/config/index.js';
import { buildFailure } from '../errors.js';
import { deliver, secretValue } from '../http-post.js';
import { groupKeyHash, type Notification } from '../notification.js';
import type { Receiver, SendResult } from '../receiver.js';
import type { TemplateRenderer } from '../template-renderer.js';
import { truncateInRunes } from '../truncate.js';

/** Alertmanager's DefaultPagerdutyConfig templates and DefaultPagerdutyDetails. */
export const PAGERDUTY_DEFAULTS = {
  description: '{{ template "pagerduty.default.description" .}}',
  client: '{{ template "pagerduty.default.client" . }}',
  client_url: '{{ template "pagerduty.default.clientURL" . }}',
  details: {
    firing: '{{ template "pagerduty.default.instances" .Alerts.Firing }}',
    resolved: '{{ template "pagerduty.default.instances" .Alerts.Resolved }}',
    num_firing: '{{ .Alerts.Firing | len }}',
    num_resolved: '{{ .Alerts.Resolved | len }}',
  },
} as const;

/** The Events API v1 endpoint: fixed in Alertmanager (the `url` option is for v2). */
export const PAGERDUTY_V1_URL = 'https://events.pagerduty.com/generic/2010-04-15/create_event.json';
const MAX_EVENT_BYTES = 512_000;
const MAX_SUMMARY_RUNES = 1024;

/**
 * pagerduty_configs: Events API v2 with `routing_key` (v1 with `service_key`). The dedup key is the
 * SHA-256 of the group key, so a resolve closes the incident the trigger opened; details over
 * 512 kB are replaced by an error note as Alertmanager does. 429 (v2) or 403 (v1) and 5xx retry.
 */
export class PagerdutyReceiver implements Receiver {
  readonly kind = 'pagerduty';
  readonly sendResolved: boolean;

  /** `v1Url` is fixed in Alertmanager (not configurable); tests point it at a local server. */
  constructor(private readonly cfg: PagerdutyConfigInput, private readonly templates: TemplateRenderer, private readonly v1Url = PAGERDUTY_V1_URL) {
    this.sendResolved = cfg.send_resolved ?? true;
  }

  private get v1(): boolean {
    return (this.cfg.service_key ?? '') !== '' || (this.cfg.service_key_file ?? '') !== '';
  }

  async send(n: Notification, signal: AbortSignal): Promise<SendResult> {
    const c = this.cfg;
    const eventType = n.status === 'resolved' ? 'resolve' : 'trigger';
    let url: string;
    let msg: Record<string, unknown>;
    try {
      const t = (s: string | undefined, d = '') => this.templates.text(s ?? d, n);
      const details: Record<string, string> = {};
      const detailTemplates: Record<string, unknown> = { ...PAGERDUTY_DEFAULTS.details, ...c.details };
      for (const [k, v] of Object.entries(detailTemplates)) details[k] = t(String(v));
      const description = truncateInRunes(t(c.description, PAGERDUTY_DEFAULTS.description), MAX_SUMMARY_RUNES);
      if (this.v1) {
        const serviceKey = t(secretValue(c.service_key, c.service_key_file));
        if (serviceKey === '') throw new Error('service key cannot be empty');
        url = this.v1Url;
        // Field order and the always-present event_action/payload follow Go's struct encoding.
        msg = {
          service_key: serviceKey,
          incident_key: groupKeyHash(n),
          event_type: eventType,
          description,
          event_action: '',
          payload: null,
          ...(eventType === 'trigger' ? omitEmpty({ client: t(c.client, PAGERDUTY_DEFAULTS.client), client_url: t(c.client_url, PAGERDUTY_DEFAULTS.client_url) }) : {}),
          ...(Object.keys(details).length > 0 ? { details } : {}),
        };
      } else {
        const routingKey = t(secretValue(c.routing_key, c.routing_key_file));
        if (routingKey === '') throw new Error('routing key cannot be empty');
        url = c.url!;
        const client = c.client ?? PAGERDUTY_DEFAULTS.client;
        const images = (c.images ?? []).map((i) => ({ src: t(i.src), alt: t(i.alt), href: t(i.href) })).filter((i) => i.src !== '');
        const links = (c.links ?? []).map((l) => ({ href: t(l.href), text: t(l.text) })).filter((l) => l.href !== '');
        msg = {
          routing_key: routingKey,
          dedup_key: groupKeyHash(n),
          event_action: eventType,
          payload: {
            summary: description,
            source: t(c.source !== undefined && c.source !== '' ? c.source : client),
            severity: t(c.severity !== undefined && c.severity !== '' ? c.severity : 'error'),
            ...omitEmpty({ class: t(c.class), component: t(c.component), group: t(c.group) }),
            ...(Object.keys(details).length > 0 ? { custom_details: details } : {}),
          },
          ...omitEmpty({ client: t(client), client_url: t(c.client_url, PAGERDUTY_DEFAULTS.client_url) }),
          ...(images.length > 0 ? { images } : {}),
          ...(links.length > 0 ? { links } : {}),
        };
      }
    } catch (err) {
      return buildFailure('pagerduty', err);
    }
    if (Buffer.byteLength(JSON.stringify(msg)) + 1 > MAX_EVENT_BYTES) {
      const note = { error: 'Custom details have been removed because the original event exceeds the maximum size of 512kB' };
      if (this.v1) msg.details = note;
      else (msg.payload as Record<string, unknown>).custom_details = note;
    }
    return deliver(url, { integration: 'pagerduty', method: 'POST', body: msg, httpConfig: c.http_config, timeoutMs: c.timeout, retryCodes: this.v1 ? [403] : [429] }, signal);
  }
}

function omitEmpty(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== ''));
}
