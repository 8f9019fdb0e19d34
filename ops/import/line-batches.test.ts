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

  it('builds the body of lines added as bytes, carried metadata first, in one copy for lines that follow each other', () => {
    const b = new LineBatcher('openmetrics', 1 << 20, 3);
    const chunk = Buffer.from('# TYPE a gauge\na 1 1\r\na 2 2\na 3 3\n');
    const bounds = [[0, 14], [15, 20], [22, 27], [28, 33]];
    const batches = bounds.map(([s, e]) => b.addBytes(chunk, s, e)).filter((x) => x !== undefined);
    batches.push(b.flush()!);
    expect(batches).toMatchObject([
      { body: '# TYPE a gauge\na 1 1\na 2 2\n', carried: 0, firstLine: 1, lines: 3, chars: 27 },
      { body: '# TYPE a gauge\na 3 3\n', carried: 1, firstLine: 4, lines: 1, chars: 6 },
    ]);
    for (const x of batches) expect(x.bytes.equals(Buffer.from(x.body))).toBe(true);
  });

  it('takes lines as text and as bytes into one body, and keeps the metadata of skipped lines for the next batch', () => {
    const b = new LineBatcher('prometheus', 1 << 20, 2);
    const chunk = Buffer.from('# HELP é_x É.\né_x 1\né_x 2\n');
    b.skipBytes(chunk, 0, 15);
    expect(b.add('é_x 0')).toBeUndefined();
    const batch = b.addBytes(chunk, 16, 22);
    expect(batch).toMatchObject({ body: '# HELP é_x É.\né_x 0\né_x 1\n', carried: 1, firstLine: 2, lines: 2 });
    expect(batch!.bytes.equals(Buffer.from(batch!.body))).toBe(true);
  });

  it('grows the body past the size it started with', () => {
    const b = new LineBatcher('csv', 1 << 30, 1000);
    const line = 'x'.repeat(100_000);
    for (let i = 0; i < 99; i++) expect(b.add(line)).toBeUndefined();
    expect(b.addBytes(Buffer.from(`${line}\n`), 0, line.length)).toBeUndefined();
    const batch = b.flush()!;
    expect(batch.bytes.length).toBe(100 * (line.length + 1));
    expect(batch.body).toBe(`${line}\n`.repeat(100));
  });

  it('fills the buffer of a released batch for a later batch, and a new one while none is released', () => {
    const b = new LineBatcher('csv', 8, 1000);
    const first = b.add('1234567')!;
    const second = b.add('abcdefg')!;
    expect(second.bytes.buffer).not.toBe(first.bytes.buffer);
    b.release(first);
    const third = b.add('ABCDEFG')!;
    expect(third.bytes.buffer).toBe(first.bytes.buffer);
    expect([second.body, third.body]).toEqual(['abcdefg\n', 'ABCDEFG\n']);
  });
});
