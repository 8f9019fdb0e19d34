/** A record whose bytes cannot be decoded: it goes to the dead-letter topic with this message. */
export class RecordDecodeError extends Error {
  readonly code = 'record_decode';
  readonly retryable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RecordDecodeError';
  }
}
