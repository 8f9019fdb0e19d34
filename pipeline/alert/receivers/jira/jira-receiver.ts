import type { JiraConfigInput } from '../../notify/config/index.js';
import { buildFailure, ReceiverError } from '../errors.js';
import { httpRequest, type RequestResult } from '../http-post.js';
import { groupKeyHash, type Notification } from '../notification.js';
import type { Receiver, SendResult } from '../receiver.js';
import type { TemplateRenderer } from '../template-renderer.js';
import { truncateInRunes } from '../truncate.js';

/** Alertmanager's DefaultJiraConfig templates. */
export const JIRA_DEFAULTS = {
  summary: '{{ template "jira.default.summary" . }}',
  description: '{{ template "jira.default.description" . }}',
  priority: '{{ template "jira.default.priority" . }}',
} as const;

const MAX_SUMMARY_RUNES = 255;
const MAX_DESCRIPTION_RUNES = 32_767;

interface FoundIssue {
  readonly key: string;
  readonly fields?: { readonly status?: { readonly statusCategory?: { readonly key?: string } } };
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };

/** A Prometheus duration (`30m`, `1h30m`, `2d`) in ms; reopen_duration uses this form. */
export function promDurationMs(s: string): number {
  if (s === '' || s === '0') return 0;
  const parts = [...s.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)];
  if (parts.map((p) => p[0]).join('') !== s) throw new Error(`not a valid duration string: "${s}"`);
  return parts.reduce((t, p) => t + Number(p[1]) * UNITS[p[2]!]!, 0);
}

/**
 * jira_configs, as Alertmanager 0.28 does it: search (JQL on project and the ALERT{<group key
 * SHA-256>} label) for the group's issue; create it (POST issue) when none is open and the group
 * fires, otherwise update it (PUT issue/KEY); then move it with reopen_transition when it fires
 * again after being resolved, or resolve_transition when the group resolves. Resolved groups never
 * create issues. 429 and 5xx retry.
 */
export class JiraReceiver implements Receiver {
  readonly kind = 'jira';
  readonly sendResolved: boolean;

  constructor(private readonly cfg: JiraConfigInput, private readonly templates: TemplateRenderer) {
    this.sendResolved = cfg.send_resolved ?? true;
  }

  private api(path: string): string {
    const base = this.cfg.api_url!.replace(/\/+$/, '');
    return `${base}/${path.replace(/^\/+/, '')}`;
  }

  private request(method: string, url: string, body: unknown, signal: AbortSignal): Promise<RequestResult> {
    return httpRequest(url, { integration: 'jira', method, ...(body !== undefined ? { body } : {}), headers: { 'accept-language': 'en' }, httpConfig: this.cfg.http_config, retryCodes: [429] }, signal);
  }

  /** The search request: JQL and endpoint (v3 search/jql for Jira Cloud, v2 search otherwise). */
  searchRequest(n: Notification, firing: boolean): { url: string; body: unknown } {
    const c = this.cfg;
    let jql = '';
    if (c.wont_fix_resolution) jql += `resolution != ${JSON.stringify(c.wont_fix_resolution)} and `;
    const reopenMinutes = Math.trunc(promDurationMs(c.reopen_duration ?? '') / 60_000);
    if (firing && c.reopen_transition && reopenMinutes > 0) jql += `(resolutiondate is EMPTY OR resolutiondate >= -${reopenMinutes}m) and `;
    else jql += 'statusCategory != Done and ';
    const project = this.templates.text(c.project ?? '', n);
    jql += `project=${JSON.stringify(project)} and labels=${JSON.stringify(`ALERT{${groupKeyHash(n)}}`)} order by status ASC,resolutiondate DESC`;
    const apiType = c.api_type ?? 'auto';
    const u = new URL(c.api_url!);
    let url = this.api('search');
    if (apiType !== 'datacenter' && (apiType === 'cloud' || u.host.endsWith('atlassian.net'))) url = this.api('search/jql').replace('/2', '/3');
    return { url, body: { fields: ['status'], jql, maxResults: 2 } };
  }

  /** The issue fields sent on create and update. */
  issueBody(n: Notification): { fields: Record<string, unknown> } {
    const c = this.cfg;
    const t = (s: string | undefined, d = '') => this.templates.text(s ?? d, n);
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(c.fields ?? {})) fields[k] = deepTemplate(v, t);
    let description: unknown = truncateInRunes(t(c.description, JIRA_DEFAULTS.description), MAX_DESCRIPTION_RUNES);
    // API v3 takes the description as an Atlassian Document Format value: the template renders JSON.
    if (new URL(c.api_url!).pathname.replace(/\/+$/, '').endsWith('/3')) description = JSON.parse(description as string);
    const labels = [...(c.labels ?? []).map((l) => t(l)), `ALERT{${groupKeyHash(n)}}`].sort();
    const priority = t(c.priority, JIRA_DEFAULTS.priority);
    return {
      fields: {
        description,
        summary: truncateInRunes(t(c.summary, JIRA_DEFAULTS.summary), MAX_SUMMARY_RUNES),
        issuetype: { name: t(c.issue_type) },
        labels,
        ...(priority !== '' ? { priority: { name: priority } } : {}),
        project: { key: t(c.project) },
        ...fields,
      },
    };
  }

  async send(n: Notification, signal: AbortSignal): Promise<SendResult> {
    const firing = n.alerts.some((a) => a.status === 'firing');
    let search: { url: string; body: unknown };
    let issue: { fields: Record<string, unknown> };
    try {
      search = this.searchRequest(n, firing);
      issue = this.issueBody(n);
    } catch (err) {
      return buildFailure('jira', err);
    }
    const found = await this.request('POST', search.url, search.body, signal);
    if (!found.ok) return withContext(found, 'failed to look up existing issues');
    let existing: FoundIssue | undefined;
    try {
      existing = (JSON.parse(found.body ?? '') as { issues?: FoundIssue[] }).issues?.[0];
    } catch (err) {
      return buildFailure('jira', new Error(`unreadable search answer: ${(err as Error).message}`));
    }
    if (existing === undefined && n.status === 'resolved') return { ok: true };
    const write = existing === undefined ? await this.request('POST', this.api('issue'), issue, signal) : await this.request('PUT', this.api(`issue/${existing.key}`), issue, signal);
    if (!write.ok) return withContext(write, existing === undefined ? 'failed to POST request to "issue"' : `failed to PUT request to "issue/${existing.key}"`);
    if (existing?.fields?.status === undefined) return { ok: true };
    const done = existing.fields.status.statusCategory?.key === 'done';
    if (firing === !done) return { ok: true };
    const transitionName = (firing ? this.cfg.reopen_transition : this.cfg.resolve_transition) ?? '';
    const list = await this.request('GET', this.api(`issue/${existing.key}/transitions`), undefined, signal);
    if (!list.ok) return withContext(list, `failed to GET request to "issue/${existing.key}/transitions"`);
    let id: string | undefined;
    try {
      id = (JSON.parse(list.body ?? '') as { transitions?: { id?: string; name?: string }[] }).transitions?.find((tr) => tr.name === transitionName)?.id;
    } catch (err) {
      return buildFailure('jira', new Error(`unreadable transitions answer: ${(err as Error).message}`));
    }
    if (id === undefined) return buildFailure('jira', new Error(`can't find transition ${transitionName} for issue ${existing.key}`));
    const moved = await this.request('POST', this.api(`issue/${existing.key}/transitions`), { transition: { id } }, signal);
    return moved.ok ? { ok: true } : withContext(moved, `failed to POST request to "issue/${existing.key}/transitions"`);
  }
}

function withContext(r: RequestResult, what: string): SendResult {
  if (r.ok) return { ok: true };
  return { ok: false, retryable: r.retryable, error: new ReceiverError(`${what}: ${r.error.message}`, { code: 'bad_status', retryable: r.retryable, integration: 'jira', status: r.status, cause: r.error }) };
}

// template.DeepCopyWithTemplate: strings rendered, lists and maps copied with their values rendered.
function deepTemplate(v: unknown, t: (s: string) => string): unknown {
  if (typeof v === 'string') return t(v);
  if (Array.isArray(v)) return v.map((x) => deepTemplate(x, t));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deepTemplate(x, t)]));
  return v;
}
