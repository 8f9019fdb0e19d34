/** Errors of the PromQL parser and engine; messages follow Prometheus's wording. */

export interface PositionRange {
  readonly start: number;
  readonly end: number;
}

/** A syntax or type error in a query: `1:5: parse error: unexpected ...` as Prometheus prints it. */
export class PromqlParseError extends Error {
  readonly code = 'promql_parse';
  readonly retryable = false;
  readonly line: number;
  readonly column: number;
  constructor(
    readonly query: string,
    readonly position: PositionRange,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    const { line, column } = lineColumn(query, position.start);
    super(`${line}:${column}: parse error: ${detail}`, options);
    this.name = 'PromqlParseError';
    this.line = line;
    this.column = column;
  }
}

/** A failure while evaluating a query (duplicate label sets, bad arguments, ...). */
export class PromqlEvalError extends Error {
  readonly code = 'promql_execution';
  readonly retryable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PromqlEvalError';
  }
}

/** The query ran past its deadline or was aborted through its signal. */
export class PromqlTimeoutError extends Error {
  readonly code = 'promql_timeout';
  readonly retryable = true;
  constructor(readonly where: string, options?: { cause?: unknown }) {
    super(`query timed out in ${where}`, options);
    this.name = 'PromqlTimeoutError';
  }
}

/** The query would hold more samples in memory than allowed. */
export class PromqlTooManySamplesError extends Error {
  readonly code = 'promql_too_many_samples';
  readonly retryable = false;
  constructor(readonly limit: number, options?: { cause?: unknown }) {
    super('query processing would load too many samples into memory in query execution', options);
    this.name = 'PromqlTooManySamplesError';
  }
}

/** `line:column` of a position in a query, 1-based, as Prometheus prints it in errors and annotations. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  // Go counts the column in bytes of UTF-8 (positions are byte offsets into the query).
  const before = text.slice(lineStart, Math.min(offset, text.length));
  const extra = Math.max(0, offset - text.length);
  return { line, column: Buffer.byteLength(before, 'utf8') + extra + 1 };
}
