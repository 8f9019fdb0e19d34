/**
 * Loads Prometheus rule files and validates them as `promtool check rules` does (rulefmt): strict
 * fields, durations, group names, record/alert exclusivity, metric/label/annotation names,
 * label and annotation templates, and `expr` through an injected PromQL parser. Error texts are
 * promtool's (`FILE: LINE:COL: group "g", rule 1, "name": ...`).
 */
import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode, type YAMLMap } from 'yaml';
import { checkAlertTemplate } from '../template/index.js';
import { isValidLabelName, isValidMetricName } from '../../../schemas/labels.js';
import { parsePromDurationMs } from './prom-duration.js';
import { RuleFileError, RuleFileReadError } from './errors.js';

/** Parses a PromQL expression; returns the error text (e.g. `1:16: parse error: ...`) or null. */
export type ExprParser = (expr: string) => string | null;

export interface LoadedRule {
  readonly kind: 'recording' | 'alerting';
  /** The `record` or `alert` name. */
  readonly name: string;
  readonly expr: string;
  readonly forMs: number;
  readonly keepFiringForMs: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** 1-based YAML line of the rule. */
  readonly line: number;
}

export interface LoadedGroup {
  readonly file: string;
  readonly name: string;
  /** Undefined: use the global evaluation interval. */
  readonly intervalMs: number | undefined;
  readonly limit: number;
  readonly queryOffsetMs: number | undefined;
  readonly rules: readonly LoadedRule[];
}

export interface RuleFileResult {
  readonly groups: readonly LoadedGroup[];
  readonly errors: readonly RuleFileError[];
}

interface Pos { line: number; column: number }
interface Field { value: string; pos: Pos | undefined }
interface RawRule {
  record: Field; alert: Field; expr: Field; for: Field; keepFiringFor: Field;
  labels: Array<[string, string]>; annotations: Array<[string, string]>; line: number;
}
interface RawGroup { pos: Pos | undefined; name: Field; interval: Field; queryOffset: Field; limit: number; rules: RawRule[] }

const NONE: Field = { value: '', pos: undefined };
const GROUP_FIELDS = new Set(['name', 'interval', 'limit', 'query_offset', 'rules']);
const RULE_FIELDS = new Set(['record', 'alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations']);

class Decoder {
  readonly unmarshal: string[] = [];
  fatal: string | undefined;
  constructor(private readonly lc: LineCounter) {}

  pos(n: YamlNode | null | undefined): Pos | undefined {
    if (!n?.range) return undefined;
    const p = this.lc.linePos(n.range[0]);
    return { line: p.line, column: p.col };
  }
  typeError(n: YamlNode, want: string): void {
    const tag = isMap(n) ? '!!map' : isSeq(n) ? '!!seq' : `!!${typeof (n as { value?: unknown }).value === 'number' ? 'int' : 'str'} \`${String((n as { value?: unknown }).value)}\``;
    this.unmarshal.push(`line ${this.pos(n)?.line ?? 0}: cannot unmarshal ${tag} into ${want}`);
  }
  str(n: unknown, want = 'string'): Field {
    if (n === null || n === undefined) return NONE;
    if (!isScalar(n)) { this.typeError(n as YamlNode, want); return NONE; }
    return { value: n.value === null ? '' : String(n.value), pos: this.pos(n) };
  }
  duration(n: unknown): Field {
    const f = this.str(n, 'model.Duration');
    if (f.pos && parsePromDurationMs(f.value) === undefined && this.fatal === undefined) {
      this.fatal = `not a valid duration string: ${JSON.stringify(f.value)}`;
    }
    return f;
  }
  stringMap(n: unknown): Array<[string, string]> {
    if (n === null || n === undefined || (isScalar(n) && n.value === null)) return [];
    if (!isMap(n)) { this.typeError(n as YamlNode, 'map[string]string'); return []; }
    return n.items.map((p) => [this.str(p.key).value, this.str(p.value).value] as [string, string]);
  }
  fields(m: YAMLMap, allowed: Set<string>, type: string): Map<string, unknown> {
    const out = new Map<string, unknown>();
    for (const p of m.items) {
      const key = isScalar(p.key) ? String(p.key.value) : String(p.key);
      if (!allowed.has(key)) {
        this.unmarshal.push(`line ${this.pos(p.key as YamlNode)?.line ?? 0}: field ${key} not found in type ${type}`);
        continue;
      }
      out.set(key, p.value);
    }
    return out;
  }
  rule(n: unknown): RawRule | undefined {
    if (!isMap(n)) { if (n) this.typeError(n as YamlNode, 'rulefmt.RuleNode'); return undefined; }
    const f = this.fields(n, RULE_FIELDS, 'rulefmt.RuleNode');
    return {
      record: this.str(f.get('record')), alert: this.str(f.get('alert')), expr: this.str(f.get('expr')),
      for: this.duration(f.get('for')), keepFiringFor: this.duration(f.get('keep_firing_for')),
      labels: this.stringMap(f.get('labels')), annotations: this.stringMap(f.get('annotations')),
      line: this.pos(n)?.line ?? 0,
    };
  }
  group(n: unknown): RawGroup | undefined {
    if (!isMap(n)) { if (n) this.typeError(n as YamlNode, 'rulefmt.RuleGroup'); return undefined; }
    const f = this.fields(n, GROUP_FIELDS, 'rulefmt.RuleGroup');
    const limitField = this.str(f.get('limit'), 'int');
    const limit = limitField.value === '' ? 0 : Number(limitField.value);
    if (!Number.isInteger(limit)) this.typeError(f.get('limit') as YamlNode, 'int');
    const rulesNode = f.get('rules');
    const rules: RawRule[] = [];
    if (isSeq(rulesNode)) for (const r of rulesNode.items) { const x = this.rule(r); if (x) rules.push(x); }
    else if (rulesNode !== undefined && rulesNode !== null && !(isScalar(rulesNode) && rulesNode.value === null)) {
      this.typeError(rulesNode as YamlNode, '[]rulefmt.RuleNode');
    }
    return {
      pos: this.pos(n), name: this.str(f.get('name')), interval: this.duration(f.get('interval')),
      queryOffset: this.duration(f.get('query_offset')), limit: Number.isInteger(limit) ? limit : 0, rules,
    };
  }
}

const posPrefix = (p: Pos | undefined): string => (p ? `${p.line}:${p.column}: ` : '0:0: ');
const byName = (a: [string, string], b: [string, string]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/** Validates one rule (rulefmt RuleNode.Validate + promtool's template check). */
function validateRule(r: RawRule, parseExpr: ExprParser): Array<{ msg: string; pos?: Pos; posAlt?: Pos; plain?: boolean }> {
  const out: Array<{ msg: string; pos?: Pos; posAlt?: Pos; plain?: boolean }> = [];
  const push = (msg: string, pos?: Pos, posAlt?: Pos): void => { out.push({ msg, pos: pos ?? { line: 0, column: 0 }, ...(posAlt ? { posAlt } : {}) }); };
  if (r.record.value !== '' && r.alert.value !== '') push("only one of 'record' and 'alert' must be set", r.record.pos, r.alert.pos);
  if (r.record.value === '' && r.alert.value === '') push("one of 'record' or 'alert' must be set", r.record.pos);
  if (r.expr.value === '') push("field 'expr' must be set in rule", r.expr.pos);
  else {
    const err = parseExpr(r.expr.value);
    if (err !== null) push(`could not parse expression: ${err}`, r.expr.pos);
  }
  if (r.record.value !== '') {
    if (r.annotations.length > 0) push("invalid field 'annotations' in recording rule", r.record.pos);
    if ((parsePromDurationMs(r.for.value) ?? 0) !== 0) push("invalid field 'for' in recording rule", r.record.pos);
    if ((parsePromDurationMs(r.keepFiringFor.value) ?? 0) !== 0) push("invalid field 'keep_firing_for' in recording rule", r.record.pos);
    if (!isValidMetricName(r.record.value)) push(`invalid recording rule name: ${r.record.value}`, r.record.pos);
  }
  // Go iterates maps in random order; sorted here so the output is stable.
  for (const [k] of [...r.labels].sort(byName)) {
    if (!isValidLabelName(k) || k === '__name__') out.push({ msg: `invalid label name: ${k}`, plain: true });
  }
  for (const [k] of [...r.annotations].sort(byName)) {
    if (!isValidLabelName(k)) out.push({ msg: `invalid annotation name: ${k}`, plain: true });
  }
  if (r.alert.value !== '') {
    for (const [k, v] of [...r.labels].sort(byName)) {
      const err = checkAlertTemplate(r.alert.value, v);
      if (err !== null) out.push({ msg: `label ${JSON.stringify(k)}: ${err}`, plain: true });
    }
    for (const [k, v] of [...r.annotations].sort(byName)) {
      const err = checkAlertTemplate(r.alert.value, v);
      if (err !== null) out.push({ msg: `annotation ${JSON.stringify(k)}: ${err}`, plain: true });
    }
  }
  return out;
}

/** Parses and validates rule-file text. `file` names the file in errors. */
export function parseRuleFile(text: string, file: string, parseExpr: ExprParser): RuleFileResult {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line ?? lc.linePos(e.pos[0]).line;
    const msg = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    return { groups: [], errors: [new RuleFileError(`yaml: line ${line}: ${msg}`, { file, line }, e)] };
  }
  const d = new Decoder(lc);
  const raw: RawGroup[] = [];
  const root = doc.contents;
  if (root !== null && !(isScalar(root) && root.value === null)) {
    if (!isMap(root)) d.typeError(root as YamlNode, 'rulefmt.RuleGroups');
    else {
      const f = d.fields(root, new Set(['groups']), 'rulefmt.RuleGroups');
      const groups = f.get('groups');
      if (isSeq(groups)) for (const g of groups.items) { const x = d.group(g); if (x) raw.push(x); }
      else if (groups !== undefined && groups !== null && !(isScalar(groups) && groups.value === null)) {
        d.typeError(groups as YamlNode, '[]rulefmt.RuleGroup');
      }
    }
  }
  if (d.fatal !== undefined) return { groups: [], errors: [new RuleFileError(d.fatal, { file })] };
  if (d.unmarshal.length > 0) {
    const line = Number(/^line (\d+)/.exec(d.unmarshal[0]!)?.[1] ?? 0);
    return { groups: [], errors: [new RuleFileError(`yaml: unmarshal errors:\n  ${d.unmarshal.join('\n  ')}`, { file, line })] };
  }

  const errors: RuleFileError[] = [];
  const seen = new Set<string>();
  const groups: LoadedGroup[] = [];
  for (const g of raw) {
    const gp = g.pos ?? { line: 0, column: 0 };
    if (g.name.value === '') {
      errors.push(new RuleFileError(`${gp.line}:${gp.column}: Groupname must not be empty`, { file, line: gp.line, column: gp.column }));
    }
    if (seen.has(g.name.value)) {
      errors.push(new RuleFileError(`${gp.line}:${gp.column}: groupname: "${g.name.value}" is repeated in the same file`, { file, group: g.name.value, line: gp.line, column: gp.column }));
    }
    seen.add(g.name.value);
    const rules: LoadedRule[] = [];
    g.rules.forEach((r, i) => {
      const ruleName = r.alert.value !== '' ? r.alert.value : r.record.value;
      for (const v of validateRule(r, parseExpr)) {
        const where = `group ${JSON.stringify(g.name.value)}, rule ${i + 1}, ${JSON.stringify(ruleName)}`;
        const prefix = v.plain ? '' : posPrefix(v.pos) + (v.posAlt ? posPrefix(v.posAlt) : '');
        errors.push(new RuleFileError(`${prefix}${where}: ${v.msg}`, {
          file, group: g.name.value, rule: i + 1, ruleName,
          ...(v.plain || !v.pos ? { line: r.line } : { line: v.pos.line, column: v.pos.column }),
        }));
      }
      rules.push({
        kind: r.alert.value !== '' ? 'alerting' : 'recording', name: ruleName, expr: r.expr.value,
        forMs: parsePromDurationMs(r.for.value) ?? 0, keepFiringForMs: parsePromDurationMs(r.keepFiringFor.value) ?? 0,
        labels: Object.fromEntries(r.labels), annotations: Object.fromEntries(r.annotations), line: r.line,
      });
    });
    groups.push({
      file, name: g.name.value,
      intervalMs: g.interval.pos ? parsePromDurationMs(g.interval.value) : undefined,
      limit: g.limit,
      queryOffsetMs: g.queryOffset.pos ? parsePromDurationMs(g.queryOffset.value) : undefined,
      rules,
    });
  }
  return { groups: errors.length > 0 ? [] : groups, errors };
}

/** Reads and validates a rule file. Throws RuleFileReadError when it cannot be read. */
export async function loadRuleFile(path: string, parseExpr: ExprParser): Promise<RuleFileResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new RuleFileReadError(path, e);
  }
  return parseRuleFile(text, path, parseExpr);
}
