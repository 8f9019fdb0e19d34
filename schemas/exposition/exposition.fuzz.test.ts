import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExpositionParseError, type ExpositionFormat } from './errors.js';
import { createParser, parseExposition } from './parse-exposition.js';
import { conformancePath } from '../../test/conformance/conformance-dir.js';

// Property: whatever the input, a parser either finishes or throws ExpositionParseError: never
// another exception and never a hang (the run is bounded because every property finishes).

const ROOT = conformancePath('exposition') + '/';
const FORMATS: ExpositionFormat[] = ['prometheus', 'openmetrics'];

function seeds(): string[] {
  const out: string[] = [];
  const om = join(ROOT, 'openmetrics');
  for (const d of readdirSync(om)) out.push(readFileSync(join(om, d, 'metrics'), 'utf8'));
  const prom = join(ROOT, 'prometheus-text', 'expfmt-fuzz-corpus');
  for (const f of readdirSync(prom)) out.push(readFileSync(join(prom, f), 'utf8'));
  out.push(readFileSync(join(ROOT, 'prometheus-text', 'textparse-testdata', 'alltypes.5mfs.om.txt'), 'utf8'));
  return out;
}

/** Parses fully, both as a whole and entry by entry with every accessor; reports the outcome. */
function outcome(text: string | Uint8Array, format: ExpositionFormat, strict: boolean): 'ok' | 'error' {
  try {
    parseExposition(text, { format, strict });
    if (typeof text === 'string') {
      const p = createParser(text, format, { strict });
      for (let e = p.next(); e !== undefined; e = p.next()) {
        if (e === 'series') void [p.labels(), p.value(), p.timestamp(), p.exemplar(), p.familyName(), p.familyType()];
        else void [p.metadataName(), p.help(), p.type(), p.unit(), p.comment()];
      }
    }
    return 'ok';
  } catch (e) {
    if (e instanceof ExpositionParseError) {
      expect(e.line).toBeGreaterThanOrEqual(1);
      expect(e.column).toBeGreaterThanOrEqual(1);
      return 'error';
    }
    throw e;
  }
}

const CHARS = ['a', '_', ':', '{', '}', '=', '"', ',', ' ', '\t', '\n', '#', '\\', 'n', '1', '.', 'e', '-', '+', 'I', 'N', '\0', 'é', '😀'];
const WORDS = ['# HELP ', '# TYPE ', '# UNIT ', '# EOF', 'counter', 'histogram', 'summary', 'gauge', '_total', '_bucket', '_count', '_sum', '_created', 'le="+Inf"', 'quantile="0.5"', ' # {a="b"} 1', 'NaN', '+Inf'];
const tokenSoup = fc.array(fc.oneof(fc.constantFrom(...CHARS), fc.constantFrom(...WORDS)), { maxLength: 80 }).map((a) => a.join(''));

describe('exposition parser fuzzing', () => {
  const corpus = seeds();

  for (const format of FORMATS) {
    it(`${format}: arbitrary strings only ever raise ExpositionParseError`, () => {
      fc.assert(
        fc.property(fc.oneof(fc.string({ maxLength: 200, unit: 'binary' }), tokenSoup), fc.boolean(), (s, strict) => {
          outcome(s, format, strict);
        }),
        { numRuns: 1000 },
      );
    });

    it(`${format}: arbitrary bytes only ever raise ExpositionParseError`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
          outcome(b, format, true);
        }),
        { numRuns: 500 },
      );
    });

    it(`${format}: mutated conformance inputs only ever raise ExpositionParseError`, () => {
      const mutation = fc.record({
        seed: fc.nat(corpus.length - 1),
        edits: fc.array(fc.record({ at: fc.nat(), cut: fc.nat(4), insert: fc.oneof(fc.constantFrom(...CHARS, ...WORDS), fc.string({ maxLength: 3 })) }), {
          minLength: 1,
          maxLength: 5,
        }),
      });
      fc.assert(
        fc.property(mutation, fc.boolean(), ({ seed, edits }, strict) => {
          let s = corpus[seed];
          for (const e of edits) {
            const at = s.length === 0 ? 0 : e.at % (s.length + 1);
            s = s.slice(0, at) + e.insert + s.slice(at + e.cut);
          }
          outcome(s, format, strict);
        }),
        { numRuns: 1000 },
      );
    });
  }

  it('finds both outcomes in the mutated corpus, so the fuzzing reaches past the first byte', () => {
    const results = new Set(corpus.slice(0, 40).flatMap((s) => FORMATS.map((f) => outcome(s, f, true))));
    expect([...results].sort()).toEqual(['error', 'ok']);
  });
});
