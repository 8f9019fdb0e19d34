import type { Labels } from '../../schemas/labels.js';

const EXPORTED_PREFIX = 'exported_';

/**
 * Adds the target's labels to a scraped series, as Prometheus' mutateSampleLabels. With
 * `honor_labels`, the scraped value wins; without, the target's value wins and the scraped one
 * moves to `exported_<name>` (prefixed again until the name is free). Empty values are dropped
 * (an empty label is an absent label).
 */
export function mutateSampleLabels(
  scraped: Labels,
  target: ReadonlyArray<readonly [string, string]>,
  honorLabels: boolean,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in scraped) if (scraped[k] !== '') out[k] = scraped[k];
  if (honorLabels) {
    for (const [n, v] of target) if (!(n in out)) out[n] = v;
    return out;
  }
  let conflicts: Array<[string, string]> | undefined;
  for (const [n, v] of target) {
    const existing = out[n];
    if (existing !== undefined) (conflicts ??= []).push([n, existing]);
    out[n] = v;
  }
  if (conflicts !== undefined) {
    // Shorter names first, as Prometheus' resolveConflictingExposedLabels.
    conflicts.sort((a, b) => a[0].length - b[0].length);
    const taken = (name: string, upTo: number) =>
      name in scraped || target.some(([n]) => n === name) || conflicts!.slice(0, upTo).some(([n]) => n === name);
    conflicts.forEach((c, i) => {
      let name = c[0];
      do name = EXPORTED_PREFIX + name;
      while (taken(name, i));
      c[0] = name;
    });
    for (const [n, v] of conflicts) out[n] = v;
  }
  return out;
}

export interface LabelLimits {
  readonly labelLimit: number;
  readonly labelNameLengthLimit: number;
  readonly labelValueLengthLimit: number;
}

function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Prometheus' verifyLabelLimits: the error message, or undefined when within the limits. */
export function labelLimitViolation(lset: Labels, limits: LabelLimits): string | undefined {
  const met = (lset.__name__ ?? '').slice(0, 50);
  if (limits.labelLimit > 0) {
    const n = Object.keys(lset).length;
    if (n > limits.labelLimit) return `label_limit exceeded (metric: ${met}, number of labels: ${n}, limit: ${limits.labelLimit})`;
  }
  if (limits.labelNameLengthLimit === 0 && limits.labelValueLengthLimit === 0) return undefined;
  for (const [name, value] of Object.entries(lset)) {
    if (limits.labelNameLengthLimit > 0 && byteLength(name) > limits.labelNameLengthLimit) {
      return `label_name_length_limit exceeded (metric: ${met}, label name: ${name.slice(0, 50)}, length: ${byteLength(name)}, limit: ${limits.labelNameLengthLimit})`;
    }
    if (limits.labelValueLengthLimit > 0 && byteLength(value) > limits.labelValueLengthLimit) {
      return `label_value_length_limit exceeded (metric: ${met}, label name: ${name.slice(0, 50)}, value: ${JSON.stringify(value.slice(0, 50))}, length: ${byteLength(value)}, limit: ${limits.labelValueLengthLimit})`;
    }
  }
  return undefined;
}
