import type { ScrapeFormat } from '../../schemas/exposition/index.js';
import type { ScrapeProtocol } from './config.js';
import { ScrapeError } from './errors.js';

/** The parser each supported media type selects, as Prometheus 3's textparse.New. */
const MEDIA_TYPE_FORMATS: ReadonlyMap<string, ScrapeFormat> = new Map([
  ['application/openmetrics-text', 'openmetrics'],
  ['application/vnd.google.protobuf', 'protobuf'],
  ['text/plain', 'prometheus'],
]);

/** The media type of each `fallback_scrape_protocol` (Prometheus' ScrapeProtocol.HeaderMediaType). */
const PROTOCOL_MEDIA_TYPES: Readonly<Record<ScrapeProtocol, string>> = {
  PrometheusProto: 'application/vnd.google.protobuf',
  'PrometheusText0.0.4': 'text/plain',
  'PrometheusText1.0.0': 'text/plain',
  'OpenMetricsText0.0.1': 'application/openmetrics-text',
  'OpenMetricsText1.0.0': 'application/openmetrics-text',
};

// RFC 2045 token: printable ASCII but space and the tspecials.
const TOKEN = String.raw`[!#$%&'*+\-.^_\`|~0-9A-Za-z]+`;
const TYPE_RE = new RegExp(`^(${TOKEN})(?:/(${TOKEN})?)?(.*)$`, 's');
const PARAM_RE = new RegExp(`^;[ \\t]*(${TOKEN})[ \\t]*=[ \\t]*(?:${TOKEN}|"(?:[^"\\\\]|\\\\.)*")[ \\t]*`, 's');

/**
 * The media type of a Content-Type header, lower-cased, as Go's `mime.ParseMediaType` reads it;
 * throws an Error worded as Go's when it does not parse (no type, no subtype after the slash,
 * a malformed or repeated parameter).
 */
export function parseMediaType(contentType: string): string {
  const semi = contentType.indexOf(';');
  const base = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  const m = TYPE_RE.exec(base);
  if (m === null) throw new Error('mime: no media type');
  if (base.includes('/') && m[2] === undefined) throw new Error('mime: expected token after slash');
  if (m[3] !== '') throw new Error(m[3].startsWith('/') || base.includes('/') ? 'mime: unexpected content after media subtype' : 'mime: expected slash after first token');
  let rest = semi < 0 ? '' : contentType.slice(semi);
  const seen = new Set<string>();
  while (rest.trim() !== '') {
    rest = rest.replace(/^[ \t]+/, '');
    const p = PARAM_RE.exec(rest);
    if (p === null) {
      if (rest.trim() === ';') break; // a trailing semicolon is ignored
      throw new Error('mime: invalid media parameter');
    }
    const key = p[1].toLowerCase();
    if (seen.has(key)) throw new Error('mime: duplicate parameter name');
    seen.add(key);
    rest = rest.slice(p[0].length);
  }
  return base;
}

/**
 * The exposition format of a scrape response, as Prometheus 3 picks its parser: by the media type
 * of the Content-Type (OpenMetrics, protobuf, text); when that is blank, does not parse or is
 * none of those, by `fallback_scrape_protocol`; without one, the scrape fails with Prometheus'
 * message.
 */
export function scrapeFormatOf(contentType: string, fallback: ScrapeProtocol | undefined, url: string): ScrapeFormat {
  const fallbackType = fallback === undefined ? undefined : PROTOCOL_MEDIA_TYPES[fallback];
  const useFallback = (message: string): ScrapeFormat => {
    if (fallbackType === undefined) throw new ScrapeError('content_type', message, url);
    return MEDIA_TYPE_FORMATS.get(fallbackType)!;
  };
  if (contentType === '') {
    return useFallback('non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target');
  }
  let mediaType: string;
  try {
    mediaType = parseMediaType(contentType);
  } catch (err) {
    return useFallback(`cannot parse Content-Type ${JSON.stringify(contentType)} and no fallback_scrape_protocol for target\n${(err as Error).message}`);
  }
  return MEDIA_TYPE_FORMATS.get(mediaType) ?? useFallback(`received unsupported Content-Type ${JSON.stringify(contentType)} and no fallback_scrape_protocol specified for target`);
}
