import type { BatchResult } from './import-sender.js';

interface InFlight {
  readonly result: Promise<BatchResult>;
  /** Counts and records what the server stored; false when the import must stop there. */
  readonly settle: (r: BatchResult) => Promise<boolean>;
}

/**
 * The requests of an import in flight at once, at most `limit`, settled oldest first: the server
 * works on one while the next is sent and the command reads and encodes the one after. Settling in
 * send order keeps the counts, the bad line an import stops at and the saved state in input order.
 */
export class RequestWindow {
  private readonly inFlight: InFlight[] = [];

  constructor(
    private readonly limit: number,
    /** A request answered after the import stopped at an earlier one: stored, but not part of the saved state. */
    private readonly stoppedBefore: (r: BatchResult) => void = () => undefined,
  ) {
    if (!(Number.isInteger(limit) && limit >= 1)) throw new RangeError(`requests in flight: expected a whole number of at least 1, got ${limit}`);
  }

  /**
   * Waits until fewer than `limit` requests are in flight, settling the oldest ones first; false
   * when one of them says to stop. A request that failed throws here, once the others in flight
   * have been answered.
   */
  async room(): Promise<boolean> {
    while (this.inFlight.length >= this.limit) if (!(await this.settleOldest())) return false;
    return true;
  }

  /** Adds a request just sent (after `room()`), to be settled by `settle` in its turn. */
  add(result: Promise<BatchResult>, settle: (r: BatchResult) => Promise<boolean>): void {
    // Handled when settled; until then a rejection is not unhandled.
    result.catch(() => undefined);
    this.inFlight.push({ result, settle });
  }

  /** Settles every request in flight, oldest first; false when one says to stop. */
  async drain(): Promise<boolean> {
    while (this.inFlight.length > 0) if (!(await this.settleOldest())) return false;
    return true;
  }

  private async settleOldest(): Promise<boolean> {
    const oldest = this.inFlight.shift()!;
    let ok: boolean;
    try {
      ok = await oldest.settle(await oldest.result);
    } catch (err) {
      await this.abandon();
      throw err;
    }
    if (!ok) await this.abandon();
    return ok;
  }

  /**
   * The import stops: the newer requests are answered but not counted, so that the command does
   * not exit with requests still running; the state never covers them (see ImportState.acknowledged).
   */
  private async abandon(): Promise<void> {
    for (const answer of await Promise.allSettled(this.inFlight.splice(0).map((f) => f.result))) {
      if (answer.status === 'fulfilled') this.stoppedBefore(answer.value);
    }
  }
}
