import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { topSelfTime } from './cpu-profile.js';

describe('topSelfTime', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cpu-profile-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A directory holding one profile of `file`: a node per function, sampled `ms` milliseconds at its position. */
  function profile(name: string, file: string, fns: readonly { name: string; line: number; column: number; ms: number }[]): string {
    const nodes = fns.map((f, i) => ({ id: i + 1, callFrame: { functionName: f.name, url: pathToFileURL(file).href, lineNumber: f.line, columnNumber: f.column } }));
    const samples = fns.flatMap((f, i) => Array.from({ length: f.ms }, () => i + 1));
    const at = join(dir, name);
    mkdirSync(at);
    writeFileSync(join(at, 'x.cpuprofile'), JSON.stringify({ nodes, samples, timeDeltas: samples.map(() => 1000), startTime: 0 }));
    return at;
  }

  it('names a bundled function by its source file and line, read through the bundle source map', async () => {
    const src = join(dir, 'costly.ts');
    writeFileSync(src, ['export function cheap(x: number): number {', '  return x + 1;', '}', '', 'export function costly(n: number): number {', '  let s = 0;', '  for (let i = 0; i < n; i++) s += i;', '  return s;', '}', ''].join('\n'));
    const out = join(dir, 'bundle', 'main.chunk-ABCD.js');
    await build({ entryPoints: [src], bundle: true, format: 'esm', outfile: out, sourcemap: 'linked', logLevel: 'silent' });
    const lines = readFileSync(out, 'utf8').split('\n');
    const at = (fn: string): { line: number; column: number } => {
      const line = lines.findIndex((l) => l.includes(`function ${fn}(`));
      return { line, column: lines[line]!.indexOf('function') };
    };
    const top = topSelfTime(
      profile('bundled', out, [
        { name: 'costly', ...at('costly'), ms: 3 },
        { name: 'cheap', ...at('cheap'), ms: 1 },
      ]),
    );
    expect(top.map((t) => t.fn.replace(/\(.*\//, '('))).toEqual(['costly (costly.ts:5)', 'cheap (costly.ts:1)']);
    expect(top[0]!.share).toBeCloseTo(0.75);
  });

  it('keeps the built file and line of a file without a source map', () => {
    const out = join(dir, 'plain.js');
    writeFileSync(out, 'export function plain() {\n  return 1;\n}\n');
    expect(topSelfTime(profile('plain', out, [{ name: 'plain', line: 0, column: 0, ms: 2 }]))[0]!.fn).toMatch(/^plain \(.*plain\.js:1\)$/);
  });
});
