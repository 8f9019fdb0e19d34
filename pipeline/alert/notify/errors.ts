/** Where in a YAML file something went wrong: the key path plus 1-based line and column. */
export interface YamlLocation {
  readonly path: readonly (string | number)[];
  readonly line?: number;
  readonly column?: number;
}

/** Render a key path the way users read it: `route.routes[1].matchers[0]`. */
export function formatYamlPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

/** An `alertmanager.yml` that does not load: the message is Alertmanager's wording where it has one. */
export class AlertmanagerConfigError extends Error {
  readonly code = 'alertmanager_config_invalid';
  readonly retryable = false;
  readonly path: readonly (string | number)[];
  readonly line?: number;
  readonly column?: number;
  /** The message without the location prefix (what upstream prints). */
  readonly detail: string;

  constructor(detail: string, where: YamlLocation = { path: [] }, options?: { cause?: unknown }) {
    const at = where.path.length > 0 ? formatYamlPath(where.path) : '';
    const pos = where.line !== undefined ? `line ${where.line}${where.column !== undefined ? `, column ${where.column}` : ''}` : '';
    const prefix = [at, pos].filter((s) => s !== '').join(' at ');
    super(prefix === '' ? detail : `${prefix}: ${detail}`, options);
    this.name = 'AlertmanagerConfigError';
    this.detail = detail;
    this.path = where.path;
    this.line = where.line;
    this.column = where.column;
  }
}

/** A matcher expression (`foo=~"bar"`, `{a="b"}`) that does not parse. */
export class MatcherParseError extends Error {
  readonly code = 'matcher_invalid';
  readonly retryable = false;
  readonly input: string;
  /** 0-based offset in `input` where parsing failed, when known. */
  readonly offset?: number;

  constructor(message: string, input: string, offset?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MatcherParseError';
    this.input = input;
    this.offset = offset;
  }
}

/** A Go (RE2) regular expression that cannot be compiled or translated to JavaScript. */
export class RegexCompileError extends Error {
  readonly code = 'regex_invalid';
  readonly retryable = false;
  readonly pattern: string;

  constructor(message: string, pattern: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RegexCompileError';
    this.pattern = pattern;
  }
}

/** A time interval definition (times, weekdays, days_of_month, months, years, location) that is invalid. */
export class TimeIntervalError extends Error {
  readonly code = 'time_interval_invalid';
  readonly retryable = false;
  readonly field: string;

  constructor(message: string, field: string) {
    super(message);
    this.name = 'TimeIntervalError';
    this.field = field;
  }
}

/** A request the v2 API refuses: the HTTP status and Alertmanager's message (sent as a JSON string). */
export class NotifyApiError extends Error {
  readonly code = 'notify_api_error';
  readonly status: number;
  readonly retryable: boolean;

  constructor(status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NotifyApiError';
    this.status = status;
    this.retryable = status >= 500;
  }
}

/** A file of the notifier's saved state (`<data>/notify/`) that cannot be read or written: names the file and what is wrong. */
export class NotifyStateFileError extends Error {
  readonly code = 'notify_state_file_invalid';
  readonly retryable = false;
  readonly file: string;

  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super(`${file}: ${problem}`, options);
    this.name = 'NotifyStateFileError';
    this.file = file;
  }
}
