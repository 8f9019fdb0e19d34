/** Go literal syntax inside actions: integers (0x, 0o, 0b, _), floats, quoted strings and chars. */

export function parseGoInt(text: string): number | undefined {
  let s = text;
  let neg = false;
  if (s[0] === '+' || s[0] === '-') { neg = s[0] === '-'; s = s.slice(1); }
  let v: number | undefined;
  if (/^0[xX](_?[0-9a-fA-F])+$/.test(s)) v = Number.parseInt(s.slice(2).replace(/_/g, ''), 16);
  else if (/^0[oO](_?[0-7])+$/.test(s)) v = Number.parseInt(s.slice(2).replace(/_/g, ''), 8);
  else if (/^0[bB](_?[01])+$/.test(s)) v = Number.parseInt(s.slice(2).replace(/_/g, ''), 2);
  else if (/^0(_?[0-7])+$/.test(s)) v = Number.parseInt(s.slice(1).replace(/_/g, ''), 8);
  else if (/^[0-9](_?[0-9])*$/.test(s)) v = Number(s.replace(/_/g, ''));
  if (v === undefined) return undefined;
  return neg ? -v : v;
}

export function parseGoFloat(text: string): number | undefined {
  const s = text.replace(/_/g, '');
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number(s);
  return undefined;
}

/** strconv.Unquote for "…", `…` and '…' literals. */
export function unquoteString(q: string, fail: (msg: string) => never): string {
  if (q.startsWith('`')) return q.slice(1, -1).replace(/\r/g, '');
  const body = q.slice(1, -1);
  const bytes: number[] = [];
  const pushStr = (s: string): void => { for (const b of Buffer.from(s, 'utf8')) bytes.push(b); };
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      const cp = body.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      pushStr(ch);
      i += ch.length - 1;
      continue;
    }
    const e = body[++i];
    const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', "'": "'", '"': '"' };
    if (e !== undefined && simple[e] !== undefined) {
      if ((e === "'" && q[0] === '"') || (e === '"' && q[0] === "'")) fail('invalid syntax');
      pushStr(simple[e]!);
    } else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(body.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(body.slice(i + 1, i + 5))) {
      pushStr(String.fromCodePoint(Number.parseInt(body.slice(i + 1, i + 5), 16)));
      i += 4;
    } else if (e === 'U' && /^[0-9a-fA-F]{8}$/.test(body.slice(i + 1, i + 9))) {
      const cp = Number.parseInt(body.slice(i + 1, i + 9), 16);
      if (cp > 0x10ffff) fail('invalid syntax');
      pushStr(String.fromCodePoint(cp));
      i += 8;
    } else if (e !== undefined && /^[0-7]{3}$/.test(body.slice(i, i + 3))) {
      const v = Number.parseInt(body.slice(i, i + 3), 8);
      if (v > 255) fail('invalid syntax');
      bytes.push(v);
      i += 2;
    } else fail('invalid syntax');
  }
  const out = Buffer.from(bytes).toString('utf8');
  if (q.startsWith("'") && [...out].length !== 1) fail('invalid syntax');
  return out;
}

