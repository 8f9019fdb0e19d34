/** A configuration file that cannot be used: says which file, which YAML path and which line. */
export class ConfigError extends Error {
  readonly code = 'invalid_config';
  constructor(
    readonly file: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(`${file}: ${problems.map(formatProblem).join('; ')}`);
    this.name = 'ConfigError';
  }
}

export interface ConfigProblem {
  /** Dotted YAML path, e.g. `bus.kafka.brokers[0]` ("" for the document itself). */
  readonly path: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line !== undefined ? `line ${p.line}, column ${p.column ?? 1}` : 'unknown position';
  return `${p.path === '' ? '(document)' : p.path} (${where}): ${p.message}`;
}
