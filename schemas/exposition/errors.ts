/** Errors of the exposition parsers; messages follow the wording of Prometheus' parsers. */

export type ExpositionFormat = 'prometheus' | 'openmetrics';

/**
 * Bad exposition input: what is wrong and where (1-based line and column, counted in UTF-16
 * code units of the decoded text). Permanent: the same bytes fail the same way every time.
 */
export class ExpositionParseError extends Error {
  readonly code = 'exposition_parse';
  readonly retryable = false;
  constructor(
    readonly format: ExpositionFormat,
    readonly line: number,
    readonly column: number,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${format === 'openmetrics' ? 'openmetrics' : 'text format'} parsing error in line ${line}, column ${column}: ${detail}`, options);
    this.name = 'ExpositionParseError';
  }
}
