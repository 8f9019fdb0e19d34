/**
 * Go regexp (RE2) as templates use it: `match` (unanchored MatchString) and `reReplaceAll`
 * (ReplaceAllString with Go's `$1`/`${name}` expansion). RE2 syntax is translated to JS where
 * the two differ (named groups, leading flag groups, \z, \Q…\E).
 */

const cache = new Map<string, RegExp>();

export function compileGoRegexp(pattern: string): RegExp {
  const hit = cache.get(pattern);
  if (hit) return hit;
  let src = pattern;
  let flags = 'u';
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    src = src.slice(lead[0].length);
    for (const f of lead[1]!) if (f !== 'U' && !flags.includes(f)) flags += f;
  }
  src = src
    .replace(/\\Q([\s\S]*?)(\\E|$)/g, (_m, lit: string) => lit.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'))
    .replace(/\(\?P</g, '(?<')
    .replace(/\\z/g, '$(?![\\s\\S])');
  let re: RegExp;
  try {
    re = new RegExp(src, flags);
  } catch (e) {
    throw new Error(`error parsing regexp: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}: \`${pattern}\``, { cause: e });
  }
  if (cache.size > 1000) cache.clear();
  cache.set(pattern, re);
  return re;
}

export function goMatchString(pattern: string, s: string): boolean {
  return compileGoRegexp(pattern).test(s);
}

/** regexp.ReplaceAllString: `$1`, `${1}`, `$name`, `${name}`, `$$`; unknown groups expand to "". */
export function goReplaceAllString(pattern: string, repl: string, text: string): string {
  const re = compileGoRegexp(pattern);
  const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g');
  return text.replace(g, (...args: unknown[]) => {
    const hasGroups = typeof args[args.length - 1] === 'object';
    const groups = (hasGroups ? args[args.length - 1] : undefined) as Record<string, string | undefined> | undefined;
    const nums = args.slice(0, hasGroups ? -3 : -2) as Array<string | undefined>;
    return repl.replace(/\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (_m, all: string, braced?: string, bare?: string) => {
      if (all === '$') return '$';
      const name = braced ?? bare ?? '';
      if (/^\d+$/.test(name)) return nums[Number(name)] ?? '';
      return groups?.[name] ?? '';
    });
  });
}
