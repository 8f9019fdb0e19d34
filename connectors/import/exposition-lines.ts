import { createParser, ExpositionParseError, type ExpositionFormat } from '../../schemas/exposition/index.js';
import { ImportLineError } from './errors.js';
import type { BadLineCallback, ImportFormat, SeriesCallback } from './import-format.js';

const EOF_AT_END = /(^|\n)# EOF\s*$/;

/**
 * Prometheus text format 0.0.4 (timestamps in milliseconds) or OpenMetrics 1.0 (timestamps in
 * seconds), as VictoriaMetrics' `/api/v1/import/prometheus` and `promtool tsdb
 * create-blocks-from openmetrics` read them. Samples without a timestamp get `defaultTimestamp`.
 * OpenMetrics' closing `# EOF` may be left out, so a long file can be sent in pieces. After a bad
 * line, reading starts afresh on the next one: that line's family has lost its metadata, which
 * only the rules on values need, and the value rules are not applied (as the Prometheus server
 * does not apply them).
 */
export function expositionLines(format: ExpositionFormat, defaultTimestamp: number): ImportFormat {
  return {
    read(text: string, onSeries: SeriesCallback, onBad: BadLineCallback): number {
      let rest = format === 'openmetrics' && !EOF_AT_END.test(text) ? `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}# EOF\n` : text;
      let lineOffset = 0;
      let samples = 0;
      const ts = [0];
      const vs = [0];
      for (;;) {
        const parser = createParser(rest, format, { strict: false });
        try {
          for (let entry = parser.next(); entry !== undefined; entry = parser.next()) {
            if (entry !== 'series') continue;
            samples++;
            ts[0] = parser.timestamp() ?? defaultTimestamp;
            vs[0] = parser.value();
            onSeries(parser.labels() as Record<string, string>, ts, vs, lineOffset + parser.line());
          }
          return samples;
        } catch (err) {
          if (!(err instanceof ExpositionParseError)) throw err;
          samples++;
          onBad(new ImportLineError(lineOffset + err.line, `column ${err.column}: ${err.detail}`));
          const next = offsetAfterLine(rest, err.line);
          if (next >= rest.length) return samples;
          rest = rest.slice(next);
          if (format === 'openmetrics' && EOF_AT_END.test(rest) && rest.trim() === '# EOF') return samples;
          lineOffset += err.line;
        }
      }
    },
  };
}

/** The offset of the character after the `line`th newline (1-based), or the text's length. */
function offsetAfterLine(text: string, line: number): number {
  let at = 0;
  for (let i = 0; i < line; i++) {
    const nl = text.indexOf('\n', at);
    if (nl < 0) return text.length;
    at = nl + 1;
  }
  return at;
}
