import { InvalidPushError } from '../http-edge/index.js';

/** A line that is not valid line protocol: what is wrong and where (1-based line and column). */
export class LineProtocolError extends InvalidPushError {
  constructor(
    readonly line: number,
    readonly column: number,
    readonly detail: string,
    reason = 'invalid_line',
  ) {
    super(`unable to parse line ${line}, column ${column}: ${detail}`, reason, { line, column });
  }
}
