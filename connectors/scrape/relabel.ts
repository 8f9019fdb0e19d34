import { createHash } from 'node:crypto';
import { expandTemplate, type AnchoredRegexp } from '../../schemas/regexp/index.js';
import { compareStrings, type Labels } from '../../schemas/labels.js';
import { compileRelabelRegex, type RelabelAction, type RelabelConfig } from './relabel-config.js';

/** A relabel rule ready to run: its regex compiled once. */
export interface RelabelRule {
  readonly action: RelabelAction;
  readonly sourceLabels: readonly string[];
  readonly separator: string;
  readonly regex: AnchoredRegexp;
  /** True when the regex is Prometheus' default `(.*)` (enables the add/delete fast path). */
  readonly defaultRegex: boolean;
  readonly modulus: bigint;
  readonly targetLabel: string;
  readonly replacement: string;
}

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function compileRelabelRules(configs: readonly RelabelConfig[]): RelabelRule[] {
  return configs.map((c) => ({
    action: c.action,
    sourceLabels: c.source_labels ?? [],
    separator: c.separator,
    regex: compileRelabelRegex(c.regex ?? '(.*)'),
    defaultRegex: c.regex === undefined || c.regex === '(.*)',
    modulus: BigInt(c.modulus ?? 0),
    targetLabel: c.target_label ?? '',
    replacement: c.replacement,
  }));
}

/**
 * Applies the rules in order, as Prometheus' `relabel.Process`: returns the new label set, or
 * `undefined` when a keep/drop rule dropped it. The input is not changed. Setting a label to the
 * empty string removes it, as Prometheus' labels.Builder does.
 */
export function relabel(labels: Labels, rules: readonly RelabelRule[]): Labels | undefined {
  if (rules.length === 0) return labels;
  const lb: Record<string, string> = { ...labels };
  for (const rule of rules) {
    if (!applyRule(lb, rule)) return undefined;
  }
  return lb;
}

function set(lb: Record<string, string>, name: string, value: string): void {
  if (value === '') delete lb[name];
  else lb[name] = value;
}

function applyRule(lb: Record<string, string>, r: RelabelRule): boolean {
  let val = '';
  for (let i = 0; i < r.sourceLabels.length; i++) {
    if (i > 0) val += r.separator;
    val += lb[r.sourceLabels[i]] ?? '';
  }
  switch (r.action) {
    case 'drop':
      return !r.regex.test(val);
    case 'keep':
      return r.regex.test(val);
    case 'dropequal':
      return (lb[r.targetLabel] ?? '') !== val;
    case 'keepequal':
      return (lb[r.targetLabel] ?? '') === val;
    case 'replace': {
      if (val === '' && r.defaultRegex && !r.targetLabel.includes('$') && !r.replacement.includes('$')) {
        set(lb, r.targetLabel, r.replacement);
        return true;
      }
      const m = r.regex.exec(val);
      if (m === null) return true;
      const target = expandTemplate(r.targetLabel, m);
      if (!LABEL_NAME_RE.test(target)) return true;
      set(lb, target, expandTemplate(r.replacement, m));
      return true;
    }
    case 'lowercase':
      set(lb, r.targetLabel, val.toLowerCase());
      return true;
    case 'uppercase':
      set(lb, r.targetLabel, val.toUpperCase());
      return true;
    case 'hashmod': {
      // Prometheus: the last 8 bytes of the MD5, big-endian, modulo `modulus`.
      const sum = createHash('md5').update(val, 'utf8').digest();
      set(lb, r.targetLabel, String(sum.readBigUInt64BE(8) % r.modulus));
      return true;
    }
    case 'labelmap':
      // Over a snapshot, as labels.Builder.Range: labels set here are not visited again.
      for (const [name, value] of Object.entries(lb).sort((a, b) => compareStrings(a[0], b[0]))) {
        const m = r.regex.exec(name);
        if (m !== null) set(lb, expandTemplate(r.replacement, m), value);
      }
      return true;
    case 'labeldrop':
      for (const name of Object.keys(lb)) if (r.regex.test(name)) delete lb[name];
      return true;
    case 'labelkeep':
      for (const name of Object.keys(lb)) if (!r.regex.test(name)) delete lb[name];
      return true;
  }
}
