import { formatDuration, parseDuration } from '../../schemas/duration.js';
import type { Labels } from '../../schemas/labels.js';
import type { ResolvedScrapeConfig } from './config.js';
import { TargetLabelsError } from './errors.js';
import { relabel, type RelabelRule } from './relabel.js';

export const ADDRESS_LABEL = '__address__';
export const SCHEME_LABEL = '__scheme__';
export const METRICS_PATH_LABEL = '__metrics_path__';
export const SCRAPE_INTERVAL_LABEL = '__scrape_interval__';
export const SCRAPE_TIMEOUT_LABEL = '__scrape_timeout__';
export const PARAM_LABEL_PREFIX = '__param_';
export const META_LABEL_PREFIX = '__meta_';

/** The outcome for one discovered target. */
export interface PopulatedTarget {
  /** Labels before relabeling (job, `__address__`, `__scheme__`, ... filled in). */
  readonly discovered: Labels;
  /** Final target labels; undefined when relabeling dropped the target. */
  readonly labels?: Labels;
}

/** Go's net.SplitHostPort: `host:port` or `[v6]:port`; undefined where Go returns an error. */
export function splitHostPort(s: string): { host: string; port: string } | undefined {
  const i = s.lastIndexOf(':');
  if (i < 0) return undefined;
  let host: string;
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0 || end + 1 !== i) return undefined;
    host = s.slice(1, end);
    if (host.includes('[') || host.includes(']')) return undefined;
  } else {
    host = s.slice(0, i);
    if (host.includes(':') || host.includes('[') || host.includes(']')) return undefined;
  }
  return { host, port: s.slice(i + 1) };
}

/**
 * Prometheus' PopulateLabels (2.x, default ports on): job and the `__` scrape labels default
 * from the config, `__param_<k>` from `params`, then `relabel_configs`; after them the address
 * gets its scheme's default port, `__meta_*` labels go, and `instance` defaults to the address.
 * Throws TargetLabelsError for a target Prometheus would reject.
 */
export function populateTargetLabels(lset: Labels, cfg: ResolvedScrapeConfig, rules: readonly RelabelRule[]): PopulatedTarget {
  const lb: Record<string, string> = { ...lset };
  const defaults: Array<[string, string]> = [
    ['job', cfg.job_name],
    [SCRAPE_INTERVAL_LABEL, formatDuration(cfg.scrape_interval)],
    [SCRAPE_TIMEOUT_LABEL, formatDuration(cfg.scrape_timeout)],
    [METRICS_PATH_LABEL, cfg.metrics_path],
    [SCHEME_LABEL, cfg.scheme],
  ];
  for (const [name, value] of defaults) {
    if ((lset[name] ?? '') === '' && value !== '') lb[name] = value;
  }
  for (const [k, v] of Object.entries(cfg.params)) {
    if (v.length > 0 && v[0] !== '') lb[PARAM_LABEL_PREFIX + k] = v[0];
  }
  const discovered: Labels = lb;
  const relabeled = relabel(discovered, rules);
  if (relabeled === undefined) return { discovered };
  const out: Record<string, string> = { ...relabeled };
  let addr = out[ADDRESS_LABEL] ?? '';
  if (addr === '') throw new TargetLabelsError('no address', discovered);
  const scheme = out[SCHEME_LABEL] ?? '';
  if (splitHostPort(addr) === undefined && splitHostPort(`${addr}:1234`) !== undefined) {
    if (scheme === 'http' || scheme === '') addr += ':80';
    else if (scheme === 'https') addr += ':443';
    else throw new TargetLabelsError(`invalid scheme: ${JSON.stringify(cfg.scheme)}`, discovered);
    out[ADDRESS_LABEL] = addr;
  }
  if (addr.includes('/')) throw new TargetLabelsError(`${JSON.stringify(addr)} is not a valid hostname`, discovered);
  const interval = parseTargetDuration(out[SCRAPE_INTERVAL_LABEL] ?? '', 'interval', discovered);
  const timeout = parseTargetDuration(out[SCRAPE_TIMEOUT_LABEL] ?? '', 'timeout', discovered);
  if (timeout > interval) {
    throw new TargetLabelsError(
      `scrape timeout cannot be greater than scrape interval (${JSON.stringify(out[SCRAPE_TIMEOUT_LABEL])} > ${JSON.stringify(out[SCRAPE_INTERVAL_LABEL])})`,
      discovered,
    );
  }
  for (const name of Object.keys(out)) if (name.startsWith(META_LABEL_PREFIX)) delete out[name];
  if ((relabeled.instance ?? '') === '') out.instance = addr;
  return { discovered, labels: out };
}

function parseTargetDuration(text: string, what: 'interval' | 'timeout', discovered: Labels): number {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (err) {
    throw new TargetLabelsError(`error parsing scrape ${what}: ${(err as Error).message}`, discovered, { cause: err });
  }
  if (ms === 0) throw new TargetLabelsError(`scrape ${what} cannot be 0`, discovered);
  return ms;
}

/** Go's url.QueryEscape. */
function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/**
 * The scrape URL of a target, as Prometheus' Target.URL: params from the config with each
 * `__param_<k>` label replacing the first value of `k`, encoded sorted by key.
 */
export function targetUrl(labels: Labels, params: Readonly<Record<string, readonly string[]>>): string {
  const merged = new Map<string, string[]>();
  for (const [k, v] of Object.entries(params)) merged.set(k, [...v]);
  for (const [name, value] of Object.entries(labels)) {
    if (!name.startsWith(PARAM_LABEL_PREFIX)) continue;
    const k = name.slice(PARAM_LABEL_PREFIX.length);
    const list = merged.get(k);
    if (list !== undefined && list.length > 0) list[0] = value;
    else merged.set(k, [value]);
  }
  const parts: string[] = [];
  for (const k of [...merged.keys()].sort()) for (const v of merged.get(k)!) parts.push(`${queryEscape(k)}=${queryEscape(v)}`);
  let path = labels[METRICS_PATH_LABEL] ?? '';
  if (path !== '' && !path.startsWith('/')) path = `/${path}`;
  const query = parts.length > 0 ? `?${parts.join('&')}` : '';
  return `${labels[SCHEME_LABEL] ?? ''}://${labels[ADDRESS_LABEL] ?? ''}${path}${query}`;
}

/** The labels a target puts on its series: all but those starting with `__`. */
export function publicTargetLabels(labels: Labels): Labels {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (!k.startsWith('__')) out[k] = v;
  return out;
}
