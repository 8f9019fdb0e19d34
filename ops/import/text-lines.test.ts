import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { textLineChunks } from './text-lines.js';

async function lines(chunks: readonly (string | Buffer)[]): Promise<string[]> {
  const out: string[] = [];
  for await (const ls of textLineChunks(Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))))) out.push(...ls);
  return out;
}

async function readlineLines(chunks: readonly (string | Buffer)[]): Promise<string[]> {
  const out: string[] = [];
  for await (const l of createInterface({ input: Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))), crlfDelay: Infinity })) out.push(l);
  return out;
}

describe('textLineChunks', () => {
  const cases: Record<string, (string | Buffer)[]> = {
    'lines ended by \\n, the last without an end': ['a 1\nb 2\n', 'c 3'],
    'a \\r\\n split across chunks counts as one line end': ['a 1\r', '\nb 2\r\n'],
    'a lone \\r ends a line, as in readline': ['a\rb\r', 'c\n'],
    'empty lines are kept': ['\n\na\n\n'],
    'a line spread over several chunks': ['met', 'ric{a="', 'b"} 1\n'],
    'a multi-byte character split between chunks': [Buffer.from('é{x="ü"} 1\n').subarray(0, 1), Buffer.from('é{x="ü"} 1\n').subarray(1)],
    'a final \\r': ['a\r'],
    'ASCII chunks, then a character split between chunks, then ASCII again': ['a 1\nb', Buffer.from('é 2\nc 3\n').subarray(0, 1), Buffer.from('é 2\nc 3\n').subarray(1), 'd 4\n'],
    'a chunk of one line without its end between others': ['a 1\nb', ' 2', ' 3\nc 4\n'],
    'latin1 bytes that are not UTF-8 after ASCII chunks': ['a 1\n', Buffer.from([0x62, 0xe9, 0x0a])],
    'nothing at all': [],
  };
  for (const [what, chunks] of Object.entries(cases)) {
    it(`gives the lines readline gives: ${what}`, async () => {
      const expected = await readlineLines(chunks);
      expect(await lines(chunks)).toEqual(expected);
    });
  }

  it('splits a file into its lines, in order', async () => {
    expect(await lines(['# TYPE x counter\nx 1 1000\n', 'x 2 2000\n# EOF\n'])).toEqual(['# TYPE x counter', 'x 1 1000', 'x 2 2000', '# EOF']);
  });
});
