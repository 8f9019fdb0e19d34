import type { Labels } from '../labels.js';
import { isValidMetricName } from '../labels.js';

/**
 * How names that are not legacy ones are written in an exposition, as the `escaping` parameter of
 * Accept and Content-Type names it (Prometheus' model.EscapingScheme): `allow-utf-8` keeps them
 * (the writers quote them), the others rewrite them into legacy names.
 */
export const NAME_ESCAPING_SCHEMES = ['allow-utf-8', 'underscores', 'dots', 'values'] as const;
export type NameEscapingScheme = (typeof NAME_ESCAPING_SCHEMES)[number];

/** A character a legacy name may hold at position `i` (`[a-zA-Z_:]`, digits after the first). */
function isLegacyRune(c: number, i: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58 || (c >= 48 && c <= 57 && i > 0);
}

/**
 * `name` escaped as model.EscapeName does: `underscores` turns each character a legacy name may
 * not hold into `_`; `dots` writes `_` as `__`, `.` as `_dot_` and others as `__` (legacy names
 * included, so the escaping can be undone); `values` prefixes `U__` and writes a character as its
 * hex code point between underscores (`_` as `__`). Legacy names stay as they are but with `dots`.
 */
export function escapeName(name: string, scheme: NameEscapingScheme): string {
  if (name === '' || scheme === 'allow-utf-8') return name;
  if (scheme !== 'dots' && isValidMetricName(name)) return name;
  let out = scheme === 'values' ? 'U__' : '';
  let i = 0; // code point index, as Go ranges over runes
  for (const ch of name) {
    const c = ch.codePointAt(0)!;
    if (scheme === 'underscores') out += isLegacyRune(c, i) ? ch : '_';
    else if (c === 95) out += '__';
    else if (scheme === 'dots' && c === 46) out += '_dot_';
    else if (isLegacyRune(c, i)) out += ch;
    else if (scheme === 'dots') out += '__';
    else out += c >= 0xd800 && c <= 0xdfff ? '_FFFD_' : `_${c.toString(16)}_`;
    i++;
  }
  return out;
}

/**
 * A name of an exposed family or label escaped as model.EscapeMetricFamily does: legacy names
 * stay as they are, under every scheme.
 */
export function escapeExposedName(name: string, scheme: NameEscapingScheme): string {
  return isValidMetricName(name) ? name : escapeName(name, scheme);
}

/**
 * The labels with the metric name (`__name__`'s value) and the label names escaped as
 * `escapeExposedName` does; label values stay.
 */
export function escapeLabels(labels: Labels, scheme: NameEscapingScheme): Labels {
  if (scheme === 'allow-utf-8') return labels;
  const out: Record<string, string> = {};
  for (const k in labels) {
    if (k === '__name__') out[k] = escapeExposedName(labels[k], scheme);
    else out[escapeExposedName(k, scheme)] = labels[k];
  }
  return out;
}

/**
 * The escaping an Accept header asks for, as expfmt.Negotiate reads it: the `escaping` parameter
 * of the media ranges, a known value only; `underscores` when none asks (the default of
 * Prometheus' model.NameEscapingScheme).
 */
export function negotiateEscaping(accept: string | undefined): NameEscapingScheme {
  let scheme: NameEscapingScheme = 'underscores';
  if (accept === undefined) return scheme;
  for (const range of accept.split(',')) {
    for (const param of range.split(';').slice(1)) {
      const eq = param.indexOf('=');
      if (eq < 0 || param.slice(0, eq).trim() !== 'escaping') continue;
      const v = param.slice(eq + 1).trim();
      if ((NAME_ESCAPING_SCHEMES as readonly string[]).includes(v)) scheme = v as NameEscapingScheme;
    }
  }
  return scheme;
}
