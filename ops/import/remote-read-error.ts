/** The remote-read endpoint refused or could not be reached. */
export class RemoteReadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RemoteReadError';
  }
}
