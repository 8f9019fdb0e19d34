/**
 * Shares the event loop among long synchronous pieces of work (a shard's series selection, a
 * response's serialization): `take()` resolves in arrival order, one waiter per event-loop
 * iteration, so I/O (a health check, another request) is served between any two pieces however
 * many are waiting. Yielding with setImmediate alone does not do that: every immediate queued
 * before the check phase runs in that one phase, so fifty waiting queries would run fifty pieces
 * back to back before the next poll.
 */
export class LoopTurns {
  private readonly waiting: Array<() => void> = [];
  private scheduled = false;

  /** Pieces waiting for a turn. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves when the caller may run its piece; the piece should not await anything but its own synchronous work. */
  take(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.waiting.length === 0) return;
    this.scheduled = true;
    setImmediate(this.grant);
  }

  private readonly grant = (): void => {
    this.scheduled = false;
    this.waiting.shift()?.();
    // Queued now, the next grant runs in the next iteration's check phase, after its poll.
    this.schedule();
  };
}

/** The turns the process' long synchronous pieces share: store reads, and handing what they selected to the evaluation pool. */
export const loopTurns = new LoopTurns();
