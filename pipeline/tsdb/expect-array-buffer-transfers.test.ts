import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Whether a typed-array loop optimized before a thread's first transfer is still optimized after
 * it, with and without expectArrayBufferTransfers first: V8's own view of the function, which
 * only a process started with --allow-natives-syntax can ask for.
 */
function optimizedAcrossATransfer(expectTransfers: boolean): boolean[] {
  const moduleUrl = new URL('./expect-array-buffer-transfers.ts', import.meta.url).href;
  const script = `
    const { expectArrayBufferTransfers } = await import(${JSON.stringify(moduleUrl)});
    if (${expectTransfers}) expectArrayBufferTransfers();
    function sum(a) { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]; return s; }
    const a = new Float64Array(64);
    eval('%PrepareFunctionForOptimization(sum)');
    sum(a);
    eval('%OptimizeFunctionOnNextCall(sum)');
    sum(a);
    const optimized = () => (eval('%GetOptimizationStatus(sum)') & 16) !== 0;
    const before = optimized();
    const sent = new ArrayBuffer(8);
    structuredClone(sent, { transfer: [sent] });
    sum(a);
    console.log(JSON.stringify([before, optimized()]));`;
  const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    encoding: 'utf8',
  });
  return JSON.parse(out) as boolean[];
}

describe('expectArrayBufferTransfers', () => {
  it('keeps typed-array code optimized across the thread\'s first transfer, which otherwise throws it away', () => {
    expect(optimizedAcrossATransfer(false)).toEqual([true, false]);
    expect(optimizedAcrossATransfer(true)).toEqual([true, true]);
  });
});
