/** Errors of the exposition parsers; messages follow the wording of Prometheus' parsers. */

export type ExpositionFormat = 'prometheus' | 'openmetrics';

/** What a scrape can be answered in: a text format, or the delimited protobuf exposition. */
export type ScrapeFormat = ExpositionFormat | 'protobuf';

/**
 * Bad exposition input: what is wrong and where (1-based line and column, counted in UTF-16
 * code units of the decoded text; for protobuf, the 1-based metric family and the byte offset
 * in the body). Permanent: the same bytes fail the same way every time.
 */
export class ExpositionParseError extends Error {
  readonly code = 'exposition_parse';
  readonly retryable = false;
  constructor(
    readonly format: ScrapeFormat,
    readonly line: number,
    readonly column: number,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      format === 'protobuf'
        ? `protobuf parsing error in metric family ${line} at byte ${column}: ${detail}`
        : `${format === 'openmetrics' ? 'openmetrics' : 'text format'} parsing error in line ${line}, column ${column}: ${detail}`,
      options,
    );
    this.name = 'ExpositionParseError';
  }
}
