/**
 * The data Alertmanager hands to notification templates (alertmanager/template.Data): the same
 * field and method names, so `.Alerts.Firing`, `.CommonLabels.SortedPairs`, `.GroupLabels.Names`
 * and `.CommonLabels.Remove .GroupLabels.Names` work as in user templates written for Alertmanager.
 */
import { GoTime, ZERO_TIME } from './go-time.js';
import type { GoMap } from './go-value.js';

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A key/value pair (template.Pair). */
export class Pair {
  static readonly goType = 'template.Pair';
  constructor(readonly Name: string, readonly Value: string) {}
}

/** template.Pairs: a list with Names/Values helpers. */
export class Pairs extends Array<Pair> {
  static readonly goType = 'template.Pairs';
  static of2(items: Pair[]): Pairs {
    const p = new Pairs();
    p.push(...items);
    return p;
  }
  Names(): string[] { return this.map((p) => p.Name); }
  Values(): string[] { return this.map((p) => p.Value); }
  String(): string { return this.map((p) => `${p.Name}=${p.Value}`).join(', '); }
}

/** template.KV: labels or annotations, a map[string]string with methods. */
export class KV implements GoMap {
  static readonly goType = 'template.KV';
  private readonly m: Record<string, string>;
  constructor(entries: Readonly<Record<string, string>> = {}) {
    this.m = { ...entries };
  }
  get goType(): string { return 'template.KV'; }
  get mapZero(): string { return ''; }
  mapGet(key: string): string | undefined {
    return Object.prototype.hasOwnProperty.call(this.m, key) ? this.m[key] : undefined;
  }
  mapKeys(): string[] { return Object.keys(this.m); }
  toJSON(): Record<string, string> { return this.m; }
  /** Sorted by name, but `alertname` first. */
  SortedPairs(): Pairs {
    const keys = Object.keys(this.m);
    const rest = keys.filter((k) => k !== 'alertname').sort(byName);
    const ordered = keys.includes('alertname') ? ['alertname', ...rest] : rest;
    return Pairs.of2(ordered.map((k) => new Pair(k, this.m[k]!)));
  }
  /** A copy without the given keys. */
  Remove(keys: string[] | null): KV {
    const drop = new Set(keys ?? []);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.m)) if (!drop.has(k)) out[k] = v;
    return new KV(out);
  }
  Names(): string[] { return this.SortedPairs().Names(); }
  Values(): string[] { return this.SortedPairs().Values(); }
  String(): string { return this.SortedPairs().String(); }
}

/** One alert as templates see it (template.Alert). */
export class Alert {
  static readonly goType = 'template.Alert';
  constructor(
    public Status: string,
    public Labels: KV,
    public Annotations: KV,
    public StartsAt: GoTime,
    public EndsAt: GoTime,
    public GeneratorURL: string,
    public Fingerprint: string,
  ) {}
}

/** template.Alerts, with `.Firing` and `.Resolved`. */
export class Alerts extends Array<Alert> {
  static readonly goType = 'template.Alerts';
  static of2(items: Alert[]): Alerts {
    const a = new Alerts();
    a.push(...items);
    return a;
  }
  Firing(): Alert[] { return this.filter((a) => a.Status === 'firing'); }
  Resolved(): Alert[] { return this.filter((a) => a.Status === 'resolved'); }
}

/** The top-level notification template data (template.Data). */
export class Data {
  static readonly goType = '*template.Data';
  constructor(
    public Receiver: string,
    public Status: string,
    public Alerts: Alerts,
    public GroupLabels: KV,
    public CommonLabels: KV,
    public CommonAnnotations: KV,
    public ExternalURL: string,
    public NotificationReason = '',
    public RouteLabels: KV = new KV(),
  ) {}
}

/** An alert as the notifier holds it. Times are ms since the epoch; `endsAt` 0/undefined = unset. */
export interface TemplateAlertInput {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: number;
  readonly endsAt?: number;
  readonly generatorURL?: string;
  readonly fingerprint?: string;
}

/** Alertmanager's alert fingerprint: FNV-1a 64 over sorted `name 0xff value 0xff`, as %016x. */
export function alertFingerprint(labels: Readonly<Record<string, string>>): string {
  let h = 0xcbf29ce484222325n;
  const step = (b: number): void => { h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn; };
  for (const name of Object.keys(labels).sort(byName)) {
    for (const b of Buffer.from(name, 'utf8')) step(b);
    step(0xff);
    for (const b of Buffer.from(labels[name]!, 'utf8')) step(b);
    step(0xff);
  }
  return h.toString(16).padStart(16, '0');
}

/** regexp.QuoteMeta. */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** Builds template data as Alertmanager's Template.Data does (status, common labels/annotations). */
export function buildTemplateData(
  receiver: string,
  groupLabels: Readonly<Record<string, string>>,
  alerts: readonly TemplateAlertInput[],
  externalURL: string,
  nowMs: number = Date.now(),
  extra: { notificationReason?: string; routeLabels?: Readonly<Record<string, string>> } = {},
): Data {
  const list = alerts.map((a) => {
    const resolved = a.endsAt !== undefined && a.endsAt !== 0 && a.endsAt <= nowMs;
    const endsAt = a.endsAt !== undefined && a.endsAt !== 0 ? new GoTime(a.endsAt) : ZERO_TIME;
    return new Alert(
      resolved ? 'resolved' : 'firing', new KV(a.labels), new KV(a.annotations), new GoTime(a.startsAt), endsAt,
      a.generatorURL ?? '', a.fingerprint ?? alertFingerprint(a.labels),
    );
  });
  const common = (pick: (a: TemplateAlertInput) => Readonly<Record<string, string>>): Record<string, string> => {
    if (alerts.length === 0) return {};
    const out: Record<string, string> = { ...pick(alerts[0]!) };
    for (const a of alerts.slice(1)) {
      const m = pick(a);
      for (const k of Object.keys(out)) if (m[k] !== out[k]) delete out[k];
    }
    return out;
  };
  return new Data(
    quoteMeta(receiver),
    list.some((a) => a.Status === 'firing') ? 'firing' : 'resolved',
    Alerts.of2(list),
    new KV(groupLabels),
    new KV(common((a) => a.labels)),
    new KV(common((a) => a.annotations)),
    externalURL,
    extra.notificationReason ?? '',
    new KV(extra.routeLabels ?? {}),
  );
}
