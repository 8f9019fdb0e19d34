import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { byteLineChunks } from './byte-lines.js';
import { InputError, openInput, type InputChunks } from './input-stream.js';
import { LineBatcher } from './line-batches.js';

async function text(input: InputChunks): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of input) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks).toString('utf8');
}

const dir = mkdtempSync(join(tmpdir(), 'tidemark-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Exposition lines of varied lengths, about `bytes` of them, so lines cross the 1 MiB chunk bounds. */
function exposition(bytes: number): string {
  const lines: string[] = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const line = `m_total{host="h-${i % 977}",pad="${'x'.repeat(i % 61)}"} ${i * 1.5} ${1_700_000_000_000 + i}`;
    lines.push(line);
    n += line.length + 1;
  }
  return lines.join('\n') + '\n';
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

  it('reads a file larger than its three chunk buffers byte for byte', async () => {
    const body = exposition(5.5 * (1 << 20));
    const file = join(dir, 'large.prom');
    writeFileSync(file, body);
    let counted = 0;
    expect(await text(await openInput(file, undefined, (n) => (counted += n)))).toBe(body);
    expect(counted).toBe(Buffer.byteLength(body));
  });

  it('gives batches that hold every line of a large file though its chunk buffers are reused', async () => {
    const body = exposition(6.3 * (1 << 20));
    const file = join(dir, 'batched.prom');
    writeFileSync(file, body);
    // Batches of about 1.5 MiB: each takes lines from two or three chunks.
    const batcher = new LineBatcher('prometheus', 1.5 * (1 << 20), 1e9);
    const batches: Buffer[] = [];
    for await (const { bytes, starts, ends, count } of byteLineChunks(await openInput(file))) {
      for (let i = 0; i < count; i++) {
        const batch = batcher.addBytes(bytes, starts[i], ends[i]);
        if (batch !== undefined) batches.push(Buffer.from(batch.bytes));
      }
      batcher.copyPending();
    }
    batches.push(Buffer.from(batcher.flush()!.bytes));
    expect(batches.length).toBeGreaterThan(3);
    expect(Buffer.concat(batches).toString('utf8')).toBe(body);
  });

  it('decompresses a gzip file named by its path', async () => {
    const file = join(dir, 'plain-name.prom');
    writeFileSync(file, gzipSync('a 1 1\n'));
    expect(await text(await openInput(file))).toBe('a 1 1\n');
  });

  it('closes a file when the reader stops early', async () => {
    const file = join(dir, 'stopped.prom');
    writeFileSync(file, exposition(3 * (1 << 20)));
    const open = () => readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === file;
      } catch {
        return false; // gone meanwhile
      }
    });
    const input = await openInput(file);
    let chunks = 0;
    for await (const _ of input) {
      expect(open()).toHaveLength(1);
      if (++chunks === 1) break;
    }
    expect(chunks).toBe(1);
    expect(open()).toEqual([]);
  });
});
