import { parseFloatLiteral, parseIntLiteral } from '../../schemas/exposition/float-literal.js';

/**
 * The exposition formats' number literals read from bytes, as the string parsers of
 * `float-literal.ts` read them: the forms an export is made of on a short path here, every other
 * form handed to those parsers as text. On text split into a string per line, the literal parsers
 * were a sixth of an import command's CPU. Each writes its number into `out[at]` and says whether
 * the literal was valid: a double returned from a call V8 did not inline is a heap allocation,
 * one per sample.
 */

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];
const MINUS = 45;
const DOT = 46;

/**
 * `parseFloatLiteral` of `b[start, end)`. `[-]digits[.digits]` with at most 15 significant digits
 * is an exact integer divided by an exact power of ten, which IEEE division rounds correctly:
 * Clinger's fast path, as parseFloatLiteral takes it.
 */
export function floatAt(b: Uint8Array, start: number, end: number, out: Float64Array, at: number): boolean {
  let i = start;
  const neg = i < end && b[i] === MINUS;
  if (neg) i++;
  let mantissa = 0;
  let significant = 0;
  let fraction = -1;
  let digits = 0;
  for (; i < end; i++) {
    const d = b[i] - 48;
    if (d >= 0 && d <= 9) {
      if (mantissa !== 0 || d !== 0) {
        if (++significant > 15) return put(out, at, floatAsText(b, start, end));
        mantissa = mantissa * 10 + d;
      }
      if (fraction >= 0) fraction++;
      digits++;
    } else if (b[i] === DOT && fraction < 0) fraction = 0;
    else return put(out, at, floatAsText(b, start, end));
  }
  if (digits === 0 || fraction > 22) return put(out, at, floatAsText(b, start, end));
  const v = fraction > 0 && mantissa !== 0 ? mantissa / POW10[fraction] : mantissa;
  out[at] = neg ? -v : v;
  return true;
}

/**
 * An OpenMetrics timestamp (seconds) in `b[start, end)` as milliseconds, as the parser reads it:
 * whole seconds, what exports hold, without the float literal parser.
 */
export function secondsAsMsAt(b: Uint8Array, start: number, end: number, out: Float64Array, at: number): boolean {
  if (digitsAt(b, start, end, out, at)) {
    out[at] *= 1000;
    return true;
  }
  const sec = parseFloatLiteral(text(b, start, end), 0, end - start);
  return put(out, at, sec === undefined || !Number.isFinite(sec) ? undefined : Math.round(sec * 1000));
}

/** `parseIntLiteral` of `b[start, end)` (the text format's millisecond timestamps). */
export function intAt(b: Uint8Array, start: number, end: number, out: Float64Array, at: number): boolean {
  return digitsAt(b, start, end, out, at) || put(out, at, parseIntLiteral(text(b, start, end), 0, end - start));
}

/** 1 to 15 decimal digits (exact as a double). */
function digitsAt(b: Uint8Array, start: number, end: number, out: Float64Array, at: number): boolean {
  if (end <= start || end - start > 15) return false;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = b[i] - 48;
    if (d < 0 || d > 9) return false;
    n = n * 10 + d;
  }
  out[at] = n;
  return true;
}

function put(out: Float64Array, at: number, v: number | undefined): boolean {
  if (v === undefined) return false;
  out[at] = v;
  return true;
}

function floatAsText(b: Uint8Array, start: number, end: number): number | undefined {
  return parseFloatLiteral(text(b, start, end), 0, end - start);
}

/** Bytes of a literal as text: one character a byte, so that offsets stay those of the bytes (a byte that is not ASCII makes any literal invalid). */
function text(b: Uint8Array, start: number, end: number): string {
  return Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('latin1');
}
