/**
 * Translates an RE2 (Go) regular expression to a JavaScript one, fully anchored as Prometheus
 * anchors label regexes (`^(?s:re)$`: the dot also matches newlines).
 */
export function compileAnchored(re: string): RegExp {
  return new RegExp(`^(?:${translateGoRegexp(re)})$`, 's');
}

function bothCases(body: string): string {
  if (body.includes('\\')) return body;
  return body + body.toUpperCase() + body.toLowerCase();
}

/**
 * RE2 syntax JavaScript (Node 20) lacks: inline flag groups `(?i:...)`/`(?i)` (case folding is
 * expanded into character classes) and `(?P<name>` named groups.
 */
export function translateGoRegexp(re: string): string {
  let out = '';
  const stack: boolean[] = [];
  let ci = false;
  for (let i = 0; i < re.length; i++) {
    const c = re[i];
    if (c === '\\') {
      out += c + (re[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '[') {
      let j = i + 1;
      let head = '[';
      if (re[j] === '^') { head += '^'; j++; }
      if (re[j] === ']') { head += '\\]'; j++; }
      let body = '';
      while (j < re.length && re[j] !== ']') {
        if (re[j] === '\\') { body += re[j] + (re[j + 1] ?? ''); j += 2; continue; }
        const posix = /^\[:(\^?)([a-z]+):\]/.exec(re.slice(j));
        if (posix) {
          body += POSIX[posix[2]] ?? '';
          j += posix[0].length;
          continue;
        }
        body += re[j];
        j++;
      }
      out += head + (ci ? bothCases(body) : body) + ']';
      i = j;
      continue;
    }
    if (c === '(' && re[i + 1] === '?') {
      if (re.startsWith('(?P<', i)) {
        stack.push(ci);
        out += '(?<';
        i += 3;
        continue;
      }
      const m = /^\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?(:|\))/.exec(re.slice(i));
      if (m) {
        let nci: boolean = ci;
        if (m[1].includes('i')) nci = true;
        if ((m[2] ?? '').includes('i')) nci = false;
        if (m[3] === ')') {
          ci = nci;
        } else {
          stack.push(ci);
          ci = nci;
          out += '(?:';
        }
        i += m[0].length - 1;
        continue;
      }
      stack.push(ci);
      out += c;
      continue;
    }
    if (c === '(') { stack.push(ci); out += c; continue; }
    if (c === ')') { ci = stack.pop() ?? false; out += c; continue; }
    if (ci && /[a-zA-Z]/.test(c)) { out += `[${c.toLowerCase()}${c.toUpperCase()}]`; continue; }
    out += c;
  }
  return out;
}

const POSIX: Record<string, string> = {
  alpha: 'A-Za-z', digit: '0-9', alnum: 'A-Za-z0-9', upper: 'A-Z', lower: 'a-z', space: '\\s',
  word: '\\w', xdigit: '0-9A-Fa-f', punct: '!-\\/:-@\\[-`{-~',
};

/** Go's Regexp.Expand: `$1`, `${1}`, `$name`, `${name}`, `$$`. */
export function expandTemplate(template: string, m: RegExpExecArray): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c !== '$' || i + 1 >= template.length) {
      out += c;
      continue;
    }
    const nx = template[i + 1];
    if (nx === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string;
    let end: number;
    if (nx === '{') {
      const close = template.indexOf('}', i + 2);
      if (close < 0) { out += c; continue; }
      name = template.slice(i + 2, close);
      if (!/^[A-Za-z0-9_]+$/.test(name)) { out += c; continue; }
      end = close;
    } else {
      const mm = /^[A-Za-z0-9_]+/.exec(template.slice(i + 1));
      if (!mm) { out += c; continue; }
      name = mm[0];
      end = i + name.length;
    }
    if (/^\d+$/.test(name)) {
      const idx = Number(name);
      out += idx < m.length ? m[idx] ?? '' : '';
    } else {
      out += m.groups?.[name] ?? '';
    }
    i = end;
  }
  return out;
}
