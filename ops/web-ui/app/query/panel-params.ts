import { formatDuration, formatTime, parseDuration, parseTime } from '../format';

/** One query panel as Prometheus' shareable URLs carry it (`g0.expr=...&g0.tab=graph&g0.range_input=1h`). */
export interface PanelParams {
  readonly expr: string;
  readonly tab: 'graph' | 'table';
  readonly rangeMs: number;
  /** End of the graph's range (Unix ms); undefined: now. */
  readonly endMs: number | undefined;
  /** Graph resolution (ms); undefined: chosen from the range. */
  readonly stepMs: number | undefined;
  readonly stacked: boolean;
  /** Evaluation time of the table (Unix ms); undefined: now. */
  readonly momentMs: number | undefined;
}

export const DEFAULT_PANEL: PanelParams = { expr: '', tab: 'table', rangeMs: 3600_000, endMs: undefined, stepMs: undefined, stacked: false, momentMs: undefined };

/** Ranges the -/+ buttons step through, as in Prometheus. */
export const RANGE_STEPS_MS = [1, 10, 60, 300, 900, 1800, 3600, 7200, 21600, 43200, 86400, 172800, 604800, 1209600, 2419200, 7257600, 14515200, 29030400].map((s) => s * 1000);

/** The panels in `params` (g0, g1, ...), at least one. Understands Prometheus 2's and 3's values (tab=0/1/graph/table, stacked=1, display_mode=stacked). */
export function parsePanels(params: URLSearchParams): PanelParams[] {
  const panels: PanelParams[] = [];
  for (let i = 0; params.has(`g${i}.expr`) || params.has(`g${i}.tab`) || params.has(`g${i}.range_input`); i++) {
    const get = (k: string) => params.get(`g${i}.${k}`) ?? '';
    const tab = get('tab');
    panels.push({
      expr: get('expr'),
      tab: tab === '0' || tab === 'graph' ? 'graph' : 'table',
      rangeMs: parseDuration(get('range_input')) ?? DEFAULT_PANEL.rangeMs,
      endMs: parseTime(get('end_input')),
      stepMs: parseDuration(get('step_input') || get('res_step')),
      stacked: get('stacked') === '1' || get('display_mode') === 'stacked',
      momentMs: parseTime(get('moment_input')),
    });
  }
  return panels.length > 0 ? panels : [DEFAULT_PANEL];
}

/** `panels` as URL parameters (other parameters in `base` kept). */
export function panelsToParams(panels: readonly PanelParams[], base = new URLSearchParams()): URLSearchParams {
  const out = new URLSearchParams();
  for (const [k, v] of base) if (!/^g\d+\./.test(k)) out.append(k, v);
  panels.forEach((p, i) => {
    out.set(`g${i}.expr`, p.expr);
    out.set(`g${i}.tab`, p.tab);
    out.set(`g${i}.stacked`, p.stacked ? '1' : '0');
    out.set(`g${i}.range_input`, formatDuration(p.rangeMs));
    if (p.endMs !== undefined) out.set(`g${i}.end_input`, formatTime(p.endMs));
    if (p.stepMs !== undefined) out.set(`g${i}.step_input`, String(p.stepMs / 1000));
    if (p.momentMs !== undefined) out.set(`g${i}.moment_input`, formatTime(p.momentMs));
  });
  return out;
}

/** The resolution Prometheus' graph picks for a range: about 250 points, at least 1 s. */
export function autoStepMs(rangeMs: number): number {
  return Math.max(Math.floor(rangeMs / 1000 / 250), 1) * 1000;
}
