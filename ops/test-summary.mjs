// Prints "N passed, N failed" from vitest's JSON report, plus the static checks ops/test.sh ran
// (CHECKS_PASSED / CHECKS_FAILED). A test file that could not even load (import or setup error)
// counts as one failure, so a broken file can never look green; so does a vitest run that exited
// non-zero with every test passed (VITEST_EXIT).
import { readFileSync } from 'node:fs';

const file = process.argv[2];
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  console.log(`no test report (${err.message})`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const testsPassed = report.numPassedTests ?? 0;
const passed = testsPassed + Number(process.env.CHECKS_PASSED ?? 0);
let failed = (report.numFailedTests ?? 0) + Number(process.env.CHECKS_FAILED ?? 0);
for (const suite of report.testResults ?? []) {
  if (suite.status === 'failed' && (suite.assertionResults ?? []).every((a) => a.status !== 'failed')) {
    console.log(`test file failed outside its tests: ${suite.name}: ${(suite.message ?? '').split('\n')[0]}`);
    failed += 1;
  }
}
// Vitest exits non-zero on errors outside any test (an unhandled rejection or stream error during
// the run), which its JSON report does not count: one failure, so the line matches the exit code.
const vitestExit = Number(process.env.VITEST_EXIT ?? 0);
if (vitestExit !== 0 && failed === 0) {
  console.log(`vitest exited with status ${vitestExit} although every test passed: errors outside the tests (see its output above)`);
  failed = 1;
}
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || testsPassed === 0 ? 1 : 0);
