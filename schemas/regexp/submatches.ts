/** The groups of one match: `values[0]` is the whole match, an unmatched group is undefined. */
export interface Submatches {
  readonly values: readonly (string | undefined)[];
  /** The groups a name names, for `(?P<name>…)` and `(?<name>…)`; Go allows a name twice. */
  readonly names: Readonly<Record<string, readonly number[]>>;
}

const NAME_CHAR = /[\p{L}\p{Nd}_]/u;

/**
 * Go's `Regexp.Expand`: `$1`, `${1}`, `$name`, `${name}` and `$$`. A name is the longest run of
 * letters, digits and underscores (so `$1x` names the group `1x`); an unknown or unmatched group
 * expands to nothing; a malformed `$` stays as it is.
 */
export function expandTemplate(template: string, m: Submatches): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const dollar = template.indexOf('$', i);
    if (dollar < 0) break;
    out += template.slice(i, dollar);
    i = dollar + 1;
    if (template[i] === '$') {
      out += '$';
      i++;
      continue;
    }
    const braced = template[i] === '{';
    let j = braced ? i + 1 : i;
    let name = '';
    for (const ch of template.slice(j)) {
      if (!NAME_CHAR.test(ch)) break;
      name += ch;
    }
    j += name.length;
    if (name === '' || (braced && template[j] !== '}')) {
      out += '$';
      continue;
    }
    i = braced ? j + 1 : j;
    out += group(m, name) ?? '';
  }
  return out + template.slice(i);
}

function group(m: Submatches, name: string): string | undefined {
  // Go reads a number only without leading zeros: `$01` names the group "01".
  if (/^(0|[1-9]\d{0,7})$/.test(name)) return m.values[Number(name)];
  // As Go: the first group of that name that took part in the match.
  for (const idx of m.names[name] ?? []) if (m.values[idx] !== undefined) return m.values[idx];
  return undefined;
}
