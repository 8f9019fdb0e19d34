/**
 * The lexer of Go's text/template (text/template/parse/lex.go), token for token: delimiters with
 * `-` trim markers, comments, strings, raw strings, chars, numbers, fields, variables, keywords.
 */

export type ItemType =
  | 'error' | 'bool' | 'char' | 'charConstant' | 'comment' | 'assign' | 'declare' | 'eof'
  | 'field' | 'identifier' | 'leftDelim' | 'leftParen' | 'number' | 'pipe' | 'rawString'
  | 'rightDelim' | 'rightParen' | 'space' | 'string' | 'text' | 'variable'
  // keywords
  | 'block' | 'break' | 'continue' | 'dot' | 'define' | 'else' | 'end' | 'if' | 'nil' | 'range'
  | 'template' | 'with';

export interface Item {
  readonly typ: ItemType;
  readonly pos: number;
  readonly val: string;
  readonly line: number;
}

const KEYWORDS: Record<string, ItemType> = {
  '.': 'dot', block: 'block', break: 'break', continue: 'continue', define: 'define', else: 'else',
  end: 'end', if: 'if', range: 'range', nil: 'nil', template: 'template', with: 'with',
};

export function isKeyword(t: ItemType): boolean {
  return ['block', 'break', 'continue', 'dot', 'define', 'else', 'end', 'if', 'nil', 'range', 'template', 'with'].includes(t);
}

/** Go's item.String(), used in "unexpected X in Y" messages. */
export function itemString(i: Item): string {
  if (i.typ === 'eof') return 'EOF';
  if (i.typ === 'error') return i.val;
  if (isKeyword(i.typ)) return `<${i.val}>`;
  if ([...i.val].length > 10) return `${goQuoteTrunc(i.val, 10)}...`;
  return goQuoteTrunc(i.val, Infinity);
}

function goQuoteTrunc(s: string, n: number): string {
  const chars = [...s].slice(0, n).join('');
  return JSON.stringify(chars);
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlphaNumeric = (c: string | undefined): boolean => c !== undefined && /^[\p{L}\p{Nd}_]$/u.test(c);

function describeRune(c: string): string {
  const cp = c.codePointAt(0)!;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')} '${c}'`;
}

/** Tokenizes a whole template. The last item is `eof` or `error`. */
export function lex(input: string, leftDelim = '{{', rightDelim = '}}'): Item[] {
  const items: Item[] = [];
  let pos = 0;
  let start = 0;
  let line = 1;
  let startLine = 1;
  let parenDepth = 0;
  const ignore = (): void => {
    start = pos;
    startLine = line;
  };
  const error = (msg: string): false => {
    items.push({ typ: 'error', pos: start, val: msg, line: startLine });
    return false;
  };
  const advance = (n: number): void => {
    line += countNl(input, pos, pos + n);
    pos += n;
  };
  const emitAdvanced = (typ: ItemType): void => {
    items.push({ typ, pos: start, val: input.slice(start, pos), line: startLine });
    start = pos;
    startLine = line;
  };
  const hasLeftTrim = (p: number): boolean => input[p] === '-' && isSpace(input[p + 1]);
  const hasRightTrim = (p: number): boolean => isSpace(input[p]) && input[p + 1] === '-';
  const atRightDelim = (): { delim: boolean; trim: boolean } => {
    if (hasRightTrim(pos) && input.startsWith(rightDelim, pos + 2)) return { delim: true, trim: true };
    if (input.startsWith(rightDelim, pos)) return { delim: true, trim: false };
    return { delim: false, trim: false };
  };
  const atTerminator = (): boolean => {
    const c = input[pos];
    if (c === undefined || isSpace(c)) return true;
    if ('.,|:()'.includes(c)) return true;
    return input.startsWith(rightDelim, pos);
  };

  // Returns false when lexing must stop (error or EOF emitted).
  const lexText = (): boolean => {
    const x = input.indexOf(leftDelim, pos);
    if (x >= 0) {
      if (x > pos) {
        let text = input.slice(pos, x);
        if (hasLeftTrim(x + leftDelim.length)) text = text.slice(0, text.length - rightTrimLength(text));
        if (text.length > 0) items.push({ typ: 'text', pos: start, val: text, line: startLine });
        advance(x - pos);
        start = pos;
        startLine = line;
      }
      return lexLeftDelim();
    }
    advance(input.length - pos);
    if (pos > start) emitAdvanced('text');
    items.push({ typ: 'eof', pos, val: '', line });
    return false;
  };

  const lexLeftDelim = (): boolean => {
    advance(leftDelim.length);
    const trim = hasLeftTrim(pos);
    const after = trim ? 2 : 0;
    if (input.startsWith('/*', pos + after)) {
      advance(after);
      ignore();
      return lexComment();
    }
    emitAdvanced('leftDelim');
    advance(after);
    ignore();
    parenDepth = 0;
    return lexInsideAction();
  };

  const lexComment = (): boolean => {
    advance(2);
    const x = input.indexOf('*/', pos);
    if (x < 0) return error('unclosed comment');
    advance(x + 2 - pos);
    const { delim, trim } = atRightDelim();
    if (!delim) return error('comment ends before closing delimiter');
    emitAdvanced('comment');
    if (trim) advance(2);
    advance(rightDelim.length);
    if (trim) advance(leftTrimLength(input.slice(pos)));
    ignore();
    return true;
  };

  const lexRightDelim = (trim: boolean): void => {
    if (trim) { advance(2); ignore(); }
    advance(rightDelim.length);
    emitAdvanced('rightDelim');
    if (trim) { advance(leftTrimLength(input.slice(pos))); ignore(); }
  };

  const lexInsideAction = (): boolean => {
    for (;;) {
      const { delim, trim } = atRightDelim();
      if (delim) {
        if (parenDepth === 0) { lexRightDelim(trim); return true; }
        return error('unclosed left paren');
      }
      const c = input[pos];
      if (c === undefined) return error('unclosed action');
      if (isSpace(c)) {
        if (!lexSpace()) continue;
        continue;
      }
      const cp = String.fromCodePoint(input.codePointAt(pos)!);
      advance(cp.length);
      switch (cp) {
        case '=': emitAdvanced('assign'); continue;
        case ':':
          if (input[pos] !== '=') return error('expected :=');
          advance(1);
          emitAdvanced('declare');
          continue;
        case '|':
          emitAdvanced('pipe');
          continue;
        case '"': if (!lexQuote()) return false; continue;
        case '`': if (!lexRawQuote()) return false; continue;
        case '$': if (!lexFieldOrVariable('variable')) return false; continue;
        case "'": if (!lexChar()) return false; continue;
        case '(': emitAdvanced('leftParen'); parenDepth++; continue;
        case ')':
          emitAdvanced('rightParen');
          parenDepth--;
          if (parenDepth < 0) return error('unexpected right paren');
          continue;
      }
      if (cp === '.') {
        const nx = input[pos];
        if (nx === undefined || nx < '0' || nx > '9') {
          if (!lexFieldOrVariable('field')) return false;
          continue;
        }
      }
      if (cp === '.' || cp === '+' || cp === '-' || (cp >= '0' && cp <= '9')) {
        pos -= cp.length;
        if (!lexNumber()) return false;
        continue;
      }
      if (isAlphaNumeric(cp)) {
        pos -= cp.length;
        if (!lexIdentifier()) return false;
        continue;
      }
      const code = cp.codePointAt(0)!;
      if (code <= 0x7f && code >= 0x20 && code !== 0x7f) { emitAdvanced('char'); continue; }
      return error(`unrecognized character in action: ${describeRune(cp)}`);
    }
  };

  // Emits a space item unless the space belongs to a " -}}" trim marker.
  const lexSpace = (): boolean => {
    let num = 0;
    while (isSpace(input[pos])) { advance(1); num++; }
    if (hasRightTrim(pos - 1) && input.startsWith(rightDelim, pos - 1 + 2)) {
      pos--;
      if (input[pos] === '\n') line--;
      if (num === 1) return false;
    }
    emitAdvanced('space');
    return true;
  };

  const lexIdentifier = (): boolean => {
    while (isAlphaNumeric(charAt(input, pos))) advance(charAt(input, pos)!.length);
    if (!atTerminator()) {
      const c = charAt(input, pos)!;
      return error(`bad character ${describeRune(c)}`);
    }
    const word = input.slice(start, pos);
    const kw = KEYWORDS[word];
    if (kw !== undefined && word !== '.') emitAdvanced(kw);
    else if (word === 'true' || word === 'false') emitAdvanced('bool');
    else emitAdvanced('identifier');
    return true;
  };

  const lexFieldOrVariable = (typ: 'field' | 'variable'): boolean => {
    if (atTerminator()) {
      emitAdvanced(typ === 'variable' ? 'variable' : 'dot');
      return true;
    }
    while (isAlphaNumeric(charAt(input, pos))) advance(charAt(input, pos)!.length);
    if (!atTerminator()) return error(`bad character ${describeRune(charAt(input, pos)!)}`);
    emitAdvanced(typ);
    return true;
  };

  const lexChar = (): boolean => {
    for (;;) {
      const c = input[pos];
      if (c === '\\') {
        advance(1);
        if (pos < input.length && input[pos] !== '\n') { advance(1); continue; }
        return error('unterminated character constant');
      }
      if (c === undefined || c === '\n') return error('unterminated character constant');
      advance(1);
      if (c === "'") break;
    }
    emitAdvanced('charConstant');
    return true;
  };

  const lexNumber = (): boolean => {
    if (!scanNumber()) return error(`bad number syntax: ${JSON.stringify(input.slice(start, pos))}`);
    emitAdvanced('number');
    return true;
  };

  const scanNumber = (): boolean => {
    if (input[pos] === '+' || input[pos] === '-') advance(1);
    let digits = '0123456789_';
    if (input[pos] === '0' && /[xXoObB]/.test(input[pos + 1] ?? '')) {
      const p = input[pos + 1]!.toLowerCase();
      advance(2);
      digits = p === 'x' ? '0123456789abcdefABCDEF_' : p === 'o' ? '01234567_' : '01_';
    }
    while (pos < input.length && digits.includes(input[pos]!)) advance(1);
    if (input[pos] === '.') {
      advance(1);
      while (pos < input.length && digits.includes(input[pos]!)) advance(1);
    }
    if (digits.length === 11 && /[eE]/.test(input[pos] ?? '')) {
      advance(1);
      if (input[pos] === '+' || input[pos] === '-') advance(1);
      while (pos < input.length && '0123456789_'.includes(input[pos]!)) advance(1);
    }
    if (digits.length === 23 && /[pP]/.test(input[pos] ?? '')) {
      advance(1);
      if (input[pos] === '+' || input[pos] === '-') advance(1);
      while (pos < input.length && '0123456789_'.includes(input[pos]!)) advance(1);
    }
    if (input[pos] === 'i') advance(1);
    if (isAlphaNumeric(charAt(input, pos))) { advance(1); return false; }
    return true;
  };

  const lexQuote = (): boolean => {
    for (;;) {
      const c = input[pos];
      if (c === '\\') {
        advance(1);
        if (pos < input.length && input[pos] !== '\n') { advance(1); continue; }
        return error('unterminated quoted string');
      }
      if (c === undefined || c === '\n') return error('unterminated quoted string');
      advance(1);
      if (c === '"') break;
    }
    emitAdvanced('string');
    return true;
  };

  const lexRawQuote = (): boolean => {
    const x = input.indexOf('`', pos);
    if (x < 0) return error('unterminated raw quoted string');
    advance(x + 1 - pos);
    emitAdvanced('rawString');
    return true;
  };

  while (lexText()) { /* keep lexing */ }
  return items;
}

function charAt(s: string, p: number): string | undefined {
  if (p >= s.length) return undefined;
  return String.fromCodePoint(s.codePointAt(p)!);
}

function countNl(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
}

function rightTrimLength(s: string): number {
  return s.length - s.replace(/[ \t\r\n]+$/, '').length;
}

function leftTrimLength(s: string): number {
  return s.length - s.replace(/^[ \t\r\n]+/, '').length;
}
