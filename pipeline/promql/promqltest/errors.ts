/** A malformed PromQL test file (line is 1-based). */
export class TestFileError extends Error {
  readonly code = 'promqltest_parse';
  readonly retryable = false;
  constructor(readonly file: string, readonly line: number, readonly detail: string, options?: { cause?: unknown }) {
    super(`${file}:${line}: ${detail}`, options);
    this.name = 'TestFileError';
  }
}
