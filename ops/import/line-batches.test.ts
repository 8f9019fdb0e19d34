import { describe, expect, it } from 'vitest';
import { LineBatcher } from './line-batches.js';

describe('LineBatcher', () => {
  it('cuts at the line bound and numbers each batch by its first line in the file', () => {
    const b = new LineBatcher('vm-json', 1 << 20, 2);
    const out = ['{"a":1}', '{"b":2}', '{"c":3}'].map((l) => b.add(l));
    expect(out[0]).toBeUndefined();
    expect(out[1]).toMatchObject({ body: '{"a":1}\n{"b":2}\n', carried: 0, firstLine: 1, lines: 2, chars: 16 });
    expect(b.flush()).toMatchObject({ body: '{"c":3}\n', carried: 0, firstLine: 3, lines: 1, chars: 8 });
    expect(b.flush()).toBeUndefined();
  });

  it('cuts at the byte bound', () => {
    const b = new LineBatcher('csv', 10, 1000);
    expect(b.add('12345')).toBeUndefined();
    expect(b.add('67890')?.lines).toBe(2);
  });

  it("repeats the current family's metadata at the top of a batch that starts inside it", () => {
    const b = new LineBatcher('openmetrics', 1 << 20, 3);
    const lines = ['# HELP a_seconds A.', '# TYPE a_seconds gauge', 'a_seconds 1 1', 'a_seconds 2 2', '# TYPE b counter', 'b_total 1 1', 'b_total 2 2'];
    const batches = lines.map((l) => b.add(l)).filter((x) => x !== undefined);
    batches.push(b.flush()!);
    expect(batches).toMatchObject([
      { body: '# HELP a_seconds A.\n# TYPE a_seconds gauge\na_seconds 1 1\n', carried: 0, firstLine: 1, lines: 3, chars: 57 },
      { body: '# HELP a_seconds A.\n# TYPE a_seconds gauge\na_seconds 2 2\n# TYPE b counter\nb_total 1 1\n', carried: 2, firstLine: 4, lines: 3, chars: 43 },
      { body: '# TYPE b counter\nb_total 2 2\n', carried: 1, firstLine: 7, lines: 1, chars: 12 },
    ]);
  });

  it('keeps the lines of a batch, carried metadata first, that its body joins', () => {
    const b = new LineBatcher('openmetrics', 1 << 20, 2);
    const batches = ['# TYPE a gauge', 'a 1 1', 'a 2 2'].map((l) => b.add(l)).filter((x) => x !== undefined);
    batches.push(b.flush()!);
    expect(batches.map((x) => x.lineTexts)).toEqual([['# TYPE a gauge', 'a 1 1'], ['# TYPE a gauge', 'a 2 2']]);
    for (const x of batches) expect(x.body).toBe(x.lineTexts!.join('\n') + '\n');
  });
});
