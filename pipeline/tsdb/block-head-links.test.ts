import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Block, writeBlock } from './block/index.js';
import { blockHeadLinks } from './block-head-links.js';
import { XorChunk } from './chunks/index.js';
import { persistHeadRange } from './compact/index.js';
import { Head } from './head/index.js';

const H = 3600_000;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A block of `labels` (one sample each, before 2h) and the head it was cut from, emptied. */
function blockOf(labels: readonly Record<string, string>[]): { block: Block; head: Head; idOf: (name: string) => number } {
  const dir = mkdtempSync(join(tmpdir(), 'block-head-links-'));
  dirs.push(dir);
  const source = new Head();
  for (const l of labels) source.append(l, 1000, 1);
  const block = Block.open(join(dir, persistHeadRange(source, dir, 0, 2 * H).ulid));
  const idOf = (name: string) => block.series.findIndex((s) => s.labels.__name__ === name);
  return { block, head: new Head(), idOf };
}

describe('blockHeadLinks', () => {
  it("links a block series to the head series of its labels and the others to none", () => {
    const { block, head, idOf } = blockOf([{ __name__: 'a', job: 'x' }, { __name__: 'b', job: 'x' }]);
    head.append({ __name__: 'a', job: 'x' }, 3 * H, 1);
    const links = blockHeadLinks(block, head);
    expect(links.of(idOf('a'))).toBe(head.series(head.ref({ __name__: 'a', job: 'x' })));
    expect(links.of(idOf('b'))).toBeNull();
    expect(head.numSeries).toBe(1);
  });

  it('finds the head series a block series had none for once the head has made it', () => {
    const { block, head, idOf } = blockOf([{ __name__: 'a', job: 'x' }]);
    expect(blockHeadLinks(block, head).of(idOf('a'))).toBeNull();
    head.append({ __name__: 'a', job: 'x' }, 3 * H, 1);
    expect(blockHeadLinks(block, head).of(idOf('a'))?.labels).toEqual({ __name__: 'a', job: 'x' });
  });

  it('drops a link to a series the head removed, and links the series made again in its place', () => {
    const { block, head, idOf } = blockOf([{ __name__: 'a', job: 'x' }]);
    head.append({ __name__: 'a', job: 'x' }, 3 * H, 1);
    const first = blockHeadLinks(block, head).of(idOf('a'));
    head.truncate(4 * H);
    expect(blockHeadLinks(block, head).of(idOf('a'))).toBeNull();
    head.append({ __name__: 'a', job: 'x' }, 5 * H, 1);
    const again = blockHeadLinks(block, head).of(idOf('a'));
    expect(again).not.toBeNull();
    expect(again).not.toBe(first);
    expect(again).toBe(head.series(head.ref({ __name__: 'a', job: 'x' })));
  });

  it('does not link a block series to a series of other labels the head made with the ref its own had', () => {
    const { block, head, idOf } = blockOf([{ __name__: 'a', job: 'x' }]);
    const ref = head.ref({ __name__: 'a', job: 'x' });
    head.appendRef(ref, 3 * H, 1);
    expect(blockHeadLinks(block, head).of(idOf('a'))).toBe(head.series(ref));
    head.truncate(4 * H);
    // As a replay of the write-ahead log does.
    head.createWithRef(ref, { __name__: 'b', job: 'x' });
    expect(blockHeadLinks(block, head).of(idOf('a'))).toBeNull();
  });

  it('keeps the links of each head apart', () => {
    const { block, head, idOf } = blockOf([{ __name__: 'a', job: 'x' }]);
    head.append({ __name__: 'a', job: 'x' }, 3 * H, 1);
    expect(blockHeadLinks(block, head).of(idOf('a'))).not.toBeNull();
    expect(blockHeadLinks(block, new Head()).of(idOf('a'))).toBeNull();
  });

  it('gives a block series with an empty label value no link: its canonical labels tell it from the head series without that label', () => {
    const dir = mkdtempSync(join(tmpdir(), 'block-head-links-'));
    dirs.push(dir);
    const block = Block.open(join(dir, writeBlock(dir, [{ labels: { __name__: 'a', job: 'x', zone: '' }, chunks: [{ bytes: XorChunk.encode([1000], [1], null).bytes, minT: 1000, maxT: 1000 }] }], { minTime: 0, maxTime: 2 * H }).ulid));
    expect(block.series[0].labels.zone).toBe('');
    const head = new Head();
    head.append({ __name__: 'a', job: 'x' }, 3 * H, 1);
    expect(blockHeadLinks(block, head).of(0)).toBeNull();
  });
});
