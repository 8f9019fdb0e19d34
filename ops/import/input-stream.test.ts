import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputError, openInput } from './input-stream.js';

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

describe('openInput', () => {
  it('decompresses gzip recognised by its magic bytes, whatever the name', async () => {
    expect(await text(await openInput('-', Readable.from([gzipSync('a 1 1\n')])))).toBe('a 1 1\n');
  });

  it('passes other input through unchanged, short or empty ones too', async () => {
    expect(await text(await openInput('-', Readable.from([Buffer.from('a 1 1\n')])))).toBe('a 1 1\n');
    expect(await text(await openInput('-', Readable.from([Buffer.from('x'), Buffer.from('yz\n')])))).toBe('xyz\n');
    expect(await text(await openInput('-', Readable.from([])))).toBe('');
  });

  it('names a missing file', async () => {
    await expect(openInput('/nonexistent/file.prom')).rejects.toThrow(InputError);
    await expect(openInput('/nonexistent/file.prom')).rejects.toThrow(/\/nonexistent\/file\.prom: ENOENT/);
  });
});
