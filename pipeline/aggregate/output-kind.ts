/**
 * The outputs a rule can ask for, as vmagent spells them. `suffix` ends the output metric name;
 * quantiles carry their φ values (each output series gets a `quantile` label).
 */
export type OutputKind =
  | 'total' | 'total_prometheus' | 'increase' | 'increase_prometheus' | 'rate_sum' | 'rate_avg'
  | 'count_samples' | 'count_series' | 'sum_samples' | 'last' | 'min' | 'max' | 'avg' | 'stddev' | 'stdvar'
  | 'quantiles' | 'histogram_bucket';

export interface OutputSpec {
  readonly kind: OutputKind;
  readonly suffix: string;
  /** φ values of `quantiles(...)`, as written (they become label values). */
  readonly quantiles: readonly { readonly phi: number; readonly text: string }[];
}

const SIMPLE: readonly OutputKind[] = [
  'total', 'total_prometheus', 'increase', 'increase_prometheus', 'rate_sum', 'rate_avg', 'count_samples', 'count_series',
  'sum_samples', 'last', 'min', 'max', 'avg', 'stddev', 'stdvar', 'histogram_bucket',
];

/** Outputs that read counters (increases between consecutive samples of a series, resets handled). */
export const COUNTER_OUTPUTS: ReadonlySet<OutputKind> = new Set(['total', 'total_prometheus', 'increase', 'increase_prometheus', 'rate_sum', 'rate_avg']);

export function parseOutput(text: string): OutputSpec {
  const t = text.trim();
  if ((SIMPLE as readonly string[]).includes(t)) return { kind: t as OutputKind, suffix: t, quantiles: [] };
  const m = /^quantiles\((.*)\)$/.exec(t);
  if (m === null) throw new Error(`unknown output ${JSON.stringify(text)}; expected one of ${[...SIMPLE, 'quantiles(φ, ...)'].join(', ')}`);
  const parts = m[1]!.split(',').map((s) => s.trim());
  if (parts.length === 0 || parts[0] === '') throw new Error(`${JSON.stringify(text)}: quantiles() needs at least one φ`);
  const quantiles = parts.map((p) => {
    const phi = Number(p);
    if (p === '' || !Number.isFinite(phi) || phi < 0 || phi > 1) throw new Error(`${JSON.stringify(text)}: φ ${JSON.stringify(p)} must be a number in [0, 1]`);
    return { phi, text: p };
  });
  return { kind: 'quantiles', suffix: 'quantiles', quantiles };
}
