/**
 * A regular expression RE2 rejects. The message is Go's `regexp/syntax` error, as Prometheus and
 * Alertmanager print it: "error parsing regexp: invalid or unsupported Perl syntax: `(?=`".
 */
export class RegexpSyntaxError extends Error {
  readonly code = 'regexp_invalid';
  readonly retryable = false;
  /** The expression as the user wrote it. */
  readonly pattern: string;

  constructor(message: string, pattern: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RegexpSyntaxError';
    this.pattern = pattern;
  }
}
