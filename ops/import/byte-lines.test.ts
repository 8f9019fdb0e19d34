import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { byteLineChunks } from './byte-lines.js';

const stream = (chunks: readonly (string | Buffer)[]) => Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)));

async function lines(chunks: readonly (string | Buffer)[]): Promise<string[]> {
  const out: string[] = [];
  for await (const { bytes, starts, ends, count } of byteLineChunks(stream(chunks))) {
    for (let i = 0; i < count; i++) out.push(bytes.toString('utf8', starts[i], ends[i]));
  }
  return out;
}

async function readlineLines(chunks: readonly (string | Buffer)[]): Promise<string[]> {
  const out: string[] = [];
  for await (const l of createInterface({ input: stream(chunks), crlfDelay: Infinity })) out.push(l);
  return out;
}

describe('byteLineChunks', () => {
  const cases: Record<string, (string | Buffer)[]> = {
    'lines ended by \\n, the last without an end': ['a 1\nb 2\n', 'c 3'],
    'a \\r\\n split across chunks counts as one line end': ['a 1\r', '\nb 2\r\n'],
    'a lone \\r ends a line, as in readline': ['a\rb\r', 'c\n'],
    'a \\r\\n inside a chunk, and one across chunks': ['a\r\nb\r', '\nc\n'],
    'empty lines are kept': ['\n\na\n\n'],
    'a line spread over several chunks': ['met', 'ric{a="', 'b"} 1\n'],
    'a multi-byte character split between chunks': [Buffer.from('é{x="ü"} 1\n').subarray(0, 1), Buffer.from('é{x="ü"} 1\n').subarray(1)],
    'a final \\r': ['a\r'],
    'a chunk of one line without its end between others': ['a 1\nb', ' 2', ' 3\nc 4\n'],
    'bytes that are not UTF-8': ['a 1\n', Buffer.from([0x62, 0xe9, 0x0a])],
    'nothing at all': [],
  };
  for (const [what, chunks] of Object.entries(cases)) {
    it(`gives the lines readline gives: ${what}`, async () => {
      const expected = await readlineLines(chunks);
      expect(await lines(chunks)).toEqual(expected);
    });
  }

  it('gives the lines of a chunk as offsets into its bytes, in order, more lines than first guessed included', async () => {
    const many = Array.from({ length: 100 }, (_, i) => String(i));
    expect(await lines(['# TYPE x counter\nx 1 1000\n', 'x 2 2000\n# EOF\n'])).toEqual(['# TYPE x counter', 'x 1 1000', 'x 2 2000', '# EOF']);
    expect(await lines([many.join('\n') + '\n'])).toEqual(many);
  });

  it('gives each chunk its own lines while the bounds are reused: chunks with more, then fewer lines than the one before', async () => {
    const short = Array.from({ length: 300 }, (_, i) => String(i % 10));
    const long = Array.from({ length: 40 }, (_, i) => `metric{i="${i}"} ${i} ${1000 + i}`);
    const chunks = [long.slice(0, 2).join('\n') + '\n', short.join('\n') + '\n', long.join('\n') + '\n', 'a\nb\n'];
    expect(await lines(chunks)).toEqual([...long.slice(0, 2), ...short, ...long, 'a', 'b']);
  });
});
