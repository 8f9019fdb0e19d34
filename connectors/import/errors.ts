/** A line of an import that cannot be stored: its 1-based number in the request body and why. */
export class ImportLineError extends Error {
  constructor(
    readonly line: number,
    readonly detail: string,
    /** Counted as `rejected_samples_total{reason}`. */
    readonly reason = 'invalid_line',
  ) {
    super(`line ${line}: ${detail}`);
    this.name = 'ImportLineError';
  }
}
