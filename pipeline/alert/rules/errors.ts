/** Errors of rule-file loading: each names the file and, where known, group, rule and YAML line. */

export interface RuleFileErrorContext {
  readonly file: string;
  readonly group?: string;
  /** 1-based index of the rule in its group, as promtool counts. */
  readonly rule?: number;
  readonly ruleName?: string;
  /** 1-based YAML line and column of the offending node (absent when Prometheus gives none). */
  readonly line?: number;
  readonly column?: number;
}

/** One problem in a rule file. `message` is promtool's text, prefixed with the file name. */
export class RuleFileError extends Error {
  override readonly name = 'RuleFileError';
  readonly code = 'rule_file_invalid';
  readonly retryable = false;
  readonly context: RuleFileErrorContext;
  /** The message without the `FILE: ` prefix. */
  readonly detail: string;
  constructor(detail: string, context: RuleFileErrorContext, cause?: unknown) {
    super(`${context.file}: ${detail}`, cause === undefined ? undefined : { cause });
    this.context = context;
    this.detail = detail;
  }
}

/** A rule file could not be read at all (missing, unreadable). */
export class RuleFileReadError extends Error {
  override readonly name = 'RuleFileReadError';
  readonly code = 'rule_file_unreadable';
  readonly retryable = true;
  constructor(readonly file: string, cause: unknown) {
    super(`${file}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** A rule evaluation failed (query error, duplicate label sets, limit exceeded); shown as the rule's lastError. */
export class RuleEvalError extends Error {
  override readonly name = 'RuleEvalError';
  readonly code = 'rule_eval_failed';
  readonly retryable = false;
  constructor(message: string, readonly context: { readonly query?: string; readonly group?: string; readonly rule?: string } = {}, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

/** The alert-state file could not be read or written. */
export class AlertStateFileError extends Error {
  override readonly name = 'AlertStateFileError';
  readonly code = 'alert_state_file';
  readonly retryable = true;
  constructor(readonly file: string, message: string, cause?: unknown) {
    super(`${file}: ${message}`, cause === undefined ? undefined : { cause });
  }
}
