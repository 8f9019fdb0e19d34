import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('./test-summary.mjs', import.meta.url));

async function summary(report: unknown, env: Record<string, string> = {}): Promise<{ code: number; lines: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'tidemark-summary-'));
  try {
    const file = join(dir, 'report.json');
    await writeFile(file, JSON.stringify(report));
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [SCRIPT, file], { env: { ...process.env, ...env } });
      return { code: 0, lines: stdout.trim().split('\n') };
    } catch (err) {
      const e = err as { code: number; stdout: string };
      return { code: e.code, lines: e.stdout.trim().split('\n') };
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('the test summary line', () => {
  it('counts passed and failed tests with the static checks, and exits 1 when any failed', async () => {
    expect(await summary({ numPassedTests: 5, numFailedTests: 0, testResults: [] }, { CHECKS_PASSED: '2' })).toEqual({ code: 0, lines: ['7 passed, 0 failed'] });
    expect(await summary({ numPassedTests: 5, numFailedTests: 2, testResults: [] })).toEqual({ code: 1, lines: ['5 passed, 2 failed'] });
  });

  it('counts a vitest run that exited non-zero with every test passed as one failure', async () => {
    const r = await summary({ numPassedTests: 5, numFailedTests: 0, testResults: [] }, { VITEST_EXIT: '1' });
    expect(r.code).toBe(1);
    expect(r.lines.at(-1)).toBe('5 passed, 1 failed');
    expect(r.lines[0]).toMatch(/errors outside the tests/);
  });
});
