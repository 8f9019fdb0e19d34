/**
 * A replay's writes sent in the background, one after the other in the order given, so the next
 * range query and evaluation go on while the server takes the last chunk's output. Order is kept,
 * so a store gets each series' samples in time order (its in-order chunks; an older sample is
 * stored too, as an out-of-order one): a write starts once the one before it was acknowledged.
 *
 * At most `maxQueued` writes wait or run at once; `write` waits for room, so a server slower than
 * the evaluation holds the replay back instead of letting the queue grow. The first failed write
 * is thrown by the next `write` or `drain`, and nothing queued after it is sent.
 */
export class WriteBehind<T> {
  private readonly pending: Promise<void>[] = [];
  private last: Promise<void> = Promise.resolve();
  private failure: { readonly error: unknown } | undefined;

  constructor(
    private readonly send: (item: T) => Promise<void>,
    private readonly maxQueued = 2,
  ) {
    if (!(maxQueued >= 1)) throw new RangeError(`write-behind queue needs room for at least 1 write, got ${maxQueued}`);
  }

  /**
   * Queues `item`; resolves once it is queued (not written) and, when nothing was ahead of it,
   * sent: Node's HTTP client puts a request on its socket in a later tick, which a replay, going
   * on to evaluate the next rule without waiting on anything, would hold back until it ran out of
   * work, so the server would take nothing while the command evaluates.
   */
  async write(item: T): Promise<void> {
    this.throwIfFailed();
    while (this.pending.length >= this.maxQueued) await this.pending[0];
    this.throwIfFailed();
    const done: Promise<void> = this.last
      .then(() => (this.failure === undefined ? this.send(item) : undefined))
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => {
        this.pending.splice(this.pending.indexOf(done), 1);
      });
    this.pending.push(done);
    this.last = done;
    await new Promise<void>((r) => setImmediate(r));
  }

  /** Resolves once every queued write is acknowledged; throws the first failure. */
  async drain(): Promise<void> {
    while (this.pending.length > 0) await this.pending[this.pending.length - 1];
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure.error;
  }
}
