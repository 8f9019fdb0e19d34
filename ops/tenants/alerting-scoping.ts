/**
 * The Alertmanager API and Prometheus' rules and alerts APIs confined to a tenant. Alerts carry
 * the tenant label (a tenant's rules set it, posted alerts get it), and a tenant's silences hold
 * an equality matcher on it, so the label is what tells whose an alert or a silence is.
 */

/** Alertmanager `filter` matchers with the tenant's in place of any the request gave on the tenant label. */
export function scopeAlertFilters(params: URLSearchParams, label: string, tenant: string): void {
  const onLabel = new RegExp(`^\\s*"?${label}"?\\s*(=|!=|=~|!~)`);
  const kept = params.getAll('filter').filter((f) => !onLabel.test(f));
  params.delete('filter');
  for (const f of kept) params.append('filter', f);
  params.append('filter', `${label}=${JSON.stringify(tenant)}`);
}

/** A POST /api/v2/alerts body with every alert labelled with the tenant; a body that is not a JSON array is left for the API to refuse. */
export function stampPostedAlerts(body: Buffer, label: string, tenant: string): Buffer {
  let alerts: unknown;
  try {
    alerts = JSON.parse(body.toString('utf8'));
  } catch {
    return body;
  }
  if (!Array.isArray(alerts)) return body;
  for (const a of alerts as Array<{ labels?: Record<string, string> } | null>) {
    if (a !== null && typeof a === 'object') a.labels = { ...(typeof a.labels === 'object' && a.labels !== null ? a.labels : {}), [label]: tenant };
  }
  return Buffer.from(JSON.stringify(alerts), 'utf8');
}

/**
 * A `tidemark replay` run's alert state changes (POST /api/v1/alert_history/replayed) with every
 * event labelled with the tenant, as posted alerts are: a tenant's replay writes its own history
 * only. A body that is not of that shape is left for the endpoint to refuse.
 */
export function stampReplayedAlertEvents(body: Buffer, label: string, tenant: string): Buffer {
  let parsed: { events?: unknown };
  try {
    parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
  } catch {
    return body;
  }
  if (parsed === null || typeof parsed !== 'object' || !Array.isArray(parsed.events)) return body;
  for (const e of parsed.events as Array<{ labels?: unknown } | null>) {
    if (e !== null && typeof e === 'object' && typeof e.labels === 'object' && e.labels !== null) (e.labels as Record<string, string>)[label] = tenant;
  }
  return Buffer.from(JSON.stringify(parsed), 'utf8');
}

/** A POST /api/v2/silences body whose matchers select the tenant's alerts only; the silence's id, if it updates one. */
export function scopePostedSilence(body: Buffer, label: string, tenant: string): { body: Buffer; id: string | undefined } {
  let silence: { id?: unknown; matchers?: unknown };
  try {
    silence = JSON.parse(body.toString('utf8')) as typeof silence;
  } catch {
    return { body, id: undefined };
  }
  if (silence === null || typeof silence !== 'object') return { body, id: undefined };
  const matchers = Array.isArray(silence.matchers) ? (silence.matchers as Array<{ name?: unknown }>) : [];
  silence.matchers = [...matchers.filter((m) => m?.name !== label), { name: label, value: tenant, isRegex: false, isEqual: true }];
  const id = typeof silence.id === 'string' && silence.id !== '' ? silence.id : undefined;
  return { body: Buffer.from(JSON.stringify(silence), 'utf8'), id };
}

/** A silence as the notifier's store holds it, as far as ownership goes. */
export interface SilenceOwnership {
  readonly id: string;
  readonly matchers: ReadonlyArray<{ readonly type: string; readonly name: string; readonly value: string }>;
}

/** Whether the silence is the tenant's: it holds the equality matcher scopePostedSilence gives every tenant silence. */
export function ownsSilence(s: SilenceOwnership, label: string, tenant: string): boolean {
  return s.matchers.some((m) => m.type === '=' && m.name === label && m.value === tenant);
}

const hasTenant = (labels: unknown, label: string, tenant: string): boolean =>
  typeof labels === 'object' && labels !== null && (labels as Record<string, unknown>)[label] === tenant;

/** `/api/v1/rules` with the tenant's rules only (those setting the tenant label: its rule files), groups left empty dropped. */
export function tenantRules(body: unknown, label: string, tenant: string): unknown {
  const groups = (body as { data?: { groups?: Array<{ rules?: Array<{ labels?: unknown }> }> } })?.data?.groups;
  if (!Array.isArray(groups)) return body;
  const kept = [];
  for (const g of groups) {
    const rules = (g.rules ?? []).filter((r) => hasTenant(r.labels, label, tenant));
    if (rules.length > 0) kept.push({ ...g, rules });
  }
  return { ...(body as object), data: { groups: kept } };
}

/** `/api/v1/alerts` with the tenant's alerts only. */
export function tenantAlerts(body: unknown, label: string, tenant: string): unknown {
  const alerts = (body as { data?: { alerts?: Array<{ labels?: unknown }> } })?.data?.alerts;
  if (!Array.isArray(alerts)) return body;
  return { ...(body as object), data: { alerts: alerts.filter((a) => hasTenant(a.labels, label, tenant)) } };
}
