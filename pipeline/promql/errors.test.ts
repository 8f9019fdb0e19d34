import { describe, expect, it } from 'vitest';
import { Engine } from './engine/engine.js';
import { lineColumn } from './errors.js';
import { parseExpr } from './parser/parser.js';
import { MemoryQueryable } from './promqltest/memory-storage.js';

describe('positions in errors and annotations', () => {
  it('counts lines by newline and columns in UTF-8 bytes, as Go does', () => {
    expect(lineColumn('rate(x[5m])', 5)).toEqual({ line: 1, column: 6 });
    expect(lineColumn('a\n  b', 4)).toEqual({ line: 2, column: 3 });
    expect(lineColumn('{l="ü"} + b', 10)).toEqual({ line: 1, column: 12 });
  });

  it('places a parse error after non-ASCII text at its byte column', () => {
    expect(() => parseExpr('x{a="ü"} +')).toThrow('1:12: parse error: unexpected end of input');
  });

  it('places an annotation after non-ASCII text at its byte column', async () => {
    const s = new MemoryQueryable();
    for (let i = 0; i < 5; i++) s.append({ __name__: 'g', a: 'ü' }, i * 60_000, i);
    const r = await new Engine().instantQuery(s, 'g{a="ü"} * 0 + rate(g[5m])', 240_000);
    expect(r.infos).toEqual(['PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "g" (1:22)']);
  });
});
