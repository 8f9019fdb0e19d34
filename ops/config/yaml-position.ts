import { isMap, isScalar, type Document, type LineCounter, type Node } from 'yaml';

export type YamlPath = readonly PropertyKey[];

/** Renders a path as `a.b[0].c`. */
export function formatYamlPath(path: YamlPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/**
 * Line and column (1-based) of the node at `path`, or of its nearest existing ancestor.
 * With `key`, the position of that key inside the map at `path` (for unknown keys).
 */
export function yamlPosition(
  doc: Document,
  lines: LineCounter,
  path: YamlPath,
  key?: string,
): { line: number; column: number } | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as unknown[], true) as Node | undefined;
    if (node === undefined || node === null) continue;
    let target: Node = node;
    if (key !== undefined && n === path.length && isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
      if (pair && isScalar(pair.key)) target = pair.key;
    }
    const offset = target.range?.[0];
    if (offset === undefined) continue;
    const pos = lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  }
  return undefined;
}
