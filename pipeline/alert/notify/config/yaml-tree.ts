import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';

import type { YamlLocation } from '../errors.js';

/** A parsed YAML file: the plain value to validate plus a way to find the line of any key path. */
export interface YamlTree {
  readonly value: unknown;
  readonly errors: readonly { message: string; line?: number; column?: number }[];
  locate(path: readonly (string | number)[]): YamlLocation;
}

/**
 * Parse YAML the way Go's yaml.v2 feeds Alertmanager: a plain scalar keeps its source text (a
 * string field given `2` or `1.0` reads "2" / "1.0"), typed fields convert from that text, and
 * `~`, `null` and empty values are null. Duplicate keys and merge keys behave as in yaml.v2.
 */
export function parseYamlTree(text: string): YamlTree {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, merge: true, uniqueKeys: true, prettyErrors: false });
  const errors = doc.errors.map((e) => {
    const pos = e.linePos?.[0];
    return { message: e.message.split('\n')[0]!, line: pos?.line, column: pos?.col };
  });
  let value: unknown = null;
  if (errors.length === 0) value = toPlain(doc, doc.contents as Node | null, 0);
  return {
    value,
    errors,
    locate(path) {
      const node = find(doc, path);
      if (node?.range === undefined || node.range === null) return { path };
      const p = lc.linePos(node.range[0]);
      return { path, line: p.line, column: p.col };
    },
  };
}

function toPlain(doc: Document, node: Node | null | undefined, depth: number): unknown {
  if (depth > 200) throw new Error('YAML nesting too deep');
  if (node === null || node === undefined) return null;
  if (isAlias(node)) return toPlain(doc, node.resolve(doc) as Node | undefined, depth + 1);
  if (isScalar(node)) {
    if (node.value === null || node.value === undefined) return null;
    if (typeof node.value === 'string') return node.value;
    if (node.type === 'PLAIN' && typeof node.source === 'string') return node.source;
    return String(node.value);
  }
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    const merges: unknown[] = [];
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const k = toPlain(doc, pair.key as Node, depth + 1);
      const key = k === null ? '' : String(k);
      const v = toPlain(doc, pair.value as Node, depth + 1);
      if (key === '<<') {
        merges.push(...(Array.isArray(v) ? v : [v]));
        continue;
      }
      define(out, key, v);
    }
    // Merge keys (`<<: *anchor`) fill in only what the map does not set itself.
    for (const m of merges) {
      if (m === null || typeof m !== 'object' || Array.isArray(m)) continue;
      for (const [k, v] of Object.entries(m)) if (!Object.hasOwn(out, k)) define(out, k, v);
    }
    return out;
  }
  if (isSeq(node)) return node.items.map((it) => toPlain(doc, it as Node, depth + 1));
  return null;
}

function define(obj: Record<string, unknown>, key: string, value: unknown): void {
  // defineProperty so a key named `__proto__` stays data, not a prototype change.
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function find(doc: Document, path: readonly (string | number)[]): Node | undefined {
  let node = doc.contents as Node | null | undefined;
  let last: Node | undefined = node ?? undefined;
  for (const seg of path) {
    if (node !== null && node !== undefined && isAlias(node)) node = node.resolve(doc) as Node | undefined;
    if (node === null || node === undefined) return last;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (pair === undefined) return last;
      const v = pair.value as Node | null;
      last = (v !== null && v.range !== undefined && !(isScalar(v) && v.value === null)) ? v : (pair.key as Node);
      node = v;
    } else if (isSeq(node) && typeof seg === 'number') {
      const v = node.items[seg] as Node | undefined;
      if (v === undefined) return last;
      last = v;
      node = v;
    } else {
      return last;
    }
  }
  return last;
}
