import type { OpsgenieConfigInput } from '../../notify/config/index.js';
import { buildFailure } from '../errors.js';
import { httpRequest, secretValue } from '../http-post.js';
import { groupKeyHash, type Notification } from '../notification.js';
import type { Receiver, SendResult } from '../receiver.js';
import type { TemplateRenderer } from '../template-renderer.js';
import { truncateInRunes } from '../truncate.js';

/** Alertmanager's DefaultOpsGenieConfig templates. */
export const OPSGENIE_DEFAULTS = {
  message: '{{ template "opsgenie.default.message" . }}',
  description: '{{ template "opsgenie.default.description" . }}',
  source: '{{ template "opsgenie.default.source" . }}',
} as const;

const MAX_MESSAGE_RUNES = 130;

interface OgRequest { readonly method: 'POST' | 'PUT'; readonly url: string; readonly body: unknown }

// strings.Split of the trimmed value, empty parts dropped (Alertmanager's safeSplit).
function safeSplit(s: string, sep: string): string[] {
  return s.trim().split(sep).filter((x) => x !== '');
}

/**
 * opsgenie_configs: create (POST v2/alerts) with the group key's SHA-256 as alias, close
 * (POST v2/alerts/{alias}/close?identifierType=alias) when the group resolves, and with
 * update_alerts also PUT the message and description of the existing alert. 429 and 5xx retry.
 */
export class OpsgenieReceiver implements Receiver {
  readonly kind = 'opsgenie';
  readonly sendResolved: boolean;

  constructor(private readonly cfg: OpsgenieConfigInput, private readonly templates: TemplateRenderer) {
    this.sendResolved = cfg.send_resolved ?? true;
  }

  requests(n: Notification): { requests: OgRequest[]; apiKey: string } {
    const c = this.cfg;
    const t = (s: string | undefined, d = '') => this.templates.text(s ?? d, n);
    const base = c.api_url!;
    const alias = groupKeyHash(n);
    const requests: OgRequest[] = [];
    if (n.status === 'resolved') {
      requests.push({ method: 'POST', url: `${base}v2/alerts/${alias}/close?identifierType=alias`, body: { source: t(c.source, OPSGENIE_DEFAULTS.source) } });
    } else {
      const details: Record<string, string> = { ...n.commonLabels };
      for (const [k, v] of Object.entries(c.details ?? {})) details[k] = t(v);
      const responders: Record<string, string>[] = [];
      for (const r of c.responders ?? []) {
        const rr = { id: t(r.id), name: t(r.name), username: t(r.username), type: t(r.type) };
        if (rr.id === '' && rr.name === '' && rr.username === '' && rr.type === '') continue;
        if (rr.type === 'teams') {
          for (const team of safeSplit(rr.name, ',')) responders.push({ name: team, type: 'team' });
          continue;
        }
        responders.push({ ...omitEmpty({ id: rr.id, name: rr.name, username: rr.username }), type: rr.type });
      }
      const message = truncateInRunes(t(c.message, OPSGENIE_DEFAULTS.message), MAX_MESSAGE_RUNES);
      const description = t(c.description, OPSGENIE_DEFAULTS.description);
      const tags = safeSplit(t(c.tags), ',');
      const actions = safeSplit(t(c.actions), ',');
      requests.push({
        method: 'POST',
        url: `${base}v2/alerts`,
        body: {
          alias,
          message,
          ...omitEmpty({ description }),
          details,
          source: t(c.source, OPSGENIE_DEFAULTS.source),
          ...(responders.length > 0 ? { responders } : {}),
          ...(tags.length > 0 ? { tags } : {}),
          ...omitEmpty({ note: t(c.note), priority: t(c.priority), entity: t(c.entity) }),
          ...(actions.length > 0 ? { actions } : {}),
        },
      });
      if (c.update_alerts === true) {
        requests.push({ method: 'PUT', url: `${base}v2/alerts/${alias}/message?identifierType=alias`, body: omitEmpty({ message }) });
        requests.push({ method: 'PUT', url: `${base}v2/alerts/${alias}/description?identifierType=alias`, body: omitEmpty({ description }) });
      }
    }
    const apiKey = t(secretValue(c.api_key, c.api_key_file)).trim();
    return { requests, apiKey };
  }

  async send(n: Notification, signal: AbortSignal): Promise<SendResult> {
    let built: { requests: OgRequest[]; apiKey: string };
    try {
      built = this.requests(n);
    } catch (err) {
      return buildFailure('opsgenie', err);
    }
    for (const r of built.requests) {
      const res = await httpRequest(r.url, { integration: 'opsgenie', method: r.method, body: r.body, httpConfig: this.cfg.http_config, headers: { authorization: `GenieKey ${built.apiKey}` }, retryCodes: [429] }, signal);
      if (!res.ok) return { ok: false, retryable: res.retryable, error: res.error };
    }
    return { ok: true };
  }
}

function omitEmpty(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== ''));
}
