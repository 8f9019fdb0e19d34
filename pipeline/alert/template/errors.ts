/**
 * Errors of the Go text/template implementation. Messages are Go's own
 * (`template: NAME:LINE: ...`), so users see what Prometheus and Alertmanager print.
 */

export type TemplateErrorCode = 'template_parse' | 'template_exec';

/** The template text does not parse. `line` is 1-based, as Go reports it. */
export class TemplateParseError extends Error {
  override readonly name = 'TemplateParseError';
  readonly code: TemplateErrorCode = 'template_parse';
  readonly retryable = false;
  constructor(
    message: string,
    readonly templateName: string,
    readonly line: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Execution failed (bad field, failing function, wrong types). `line`/`column` of the node. */
export class TemplateExecError extends Error {
  override readonly name = 'TemplateExecError';
  readonly code: TemplateErrorCode = 'template_exec';
  readonly retryable = false;
  constructor(
    message: string,
    readonly templateName: string,
    readonly line: number | undefined,
    readonly column: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
