import type { PartitionLog, SegmentCompaction } from './partition-log.js';

export interface LogCompactorSettings {
  /** Every partition log of every topic, as they are now. */
  readonly logs: () => readonly PartitionLog[];
  readonly runBytes: number;
  /** Share of one core's time compaction may keep busy (0 < share <= 1). */
  readonly cpuShare: number;
  /** How often to look for sealed segments to compact. */
  readonly intervalMs: number;
  /** An active segment idle this long and of at least `idleMinBytes` (default `runBytes`) is sealed, to be compacted too. */
  readonly idleMs: number;
  readonly idleMinBytes?: number;
  readonly onError: (log: PartitionLog, err: unknown) => void;
  /** Awaited before each run: resolves when foreground work (queries) lets it start. */
  readonly yieldTo?: () => Promise<void>;
}

/**
 * Rewrites sealed segments into runs (PartitionLog.compact), one at a time, in the background.
 * The compression runs on node:zlib's thread pool, not on the event loop; after each run the
 * compactor waits so that the thread it keeps busy is busy at most `cpuShare` of the time (the
 * run's wall time counts, which is at least its CPU time), so ingest keeps the rest of the machine.
 */
export class LogCompactor {
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<number> = Promise.resolve(0);
  private passes = 0;
  private stopping = false;
  private wake: (() => void) | undefined;
  private resolveStopped: () => void = () => {};
  private readonly stopped = new Promise<void>((resolve) => {
    this.resolveStopped = resolve;
  });

  constructor(private readonly settings: LogCompactorSettings) {}

  start(): void {
    // A tick while a pass runs adds none; the next tick after it looks again.
    this.timer = setInterval(() => {
      if (this.passes === 0) void this.compactPending();
    }, this.settings.intervalMs);
    this.timer.unref();
  }

  /** Compacts every sealed segment not compacted yet (after a pass in progress); resolves with how many. */
  compactPending(): Promise<number> {
    this.passes++;
    this.pass = this.pass.then(() => this.runPass(), () => this.runPass()).finally(() => this.passes--);
    return this.pass;
  }

  private async runPass(): Promise<number> {
    let count = 0;
    for (const log of this.settings.logs()) {
      try {
        await log.sealIfIdle(this.settings.idleMs, this.settings.idleMinBytes ?? this.settings.runBytes);
      } catch (err) {
        this.settings.onError(log, err);
      }
      for (;;) {
        if (this.stopping) return count;
        let done: SegmentCompaction | undefined;
        try {
          const seg = await log.nextToCompact();
          if (seg === undefined) break;
          await this.giveWay();
          done = await log.compact(seg, { runBytes: this.settings.runBytes, afterRun: (ms) => this.afterRun(ms), stopped: () => this.stopping, giveWay: () => this.giveWay() });
        } catch (err) {
          this.settings.onError(log, err);
          break; // this partition waits for the next pass
        }
        if (done !== undefined) count++;
      }
    }
    return count;
  }

  private async afterRun(busyMs: number): Promise<void> {
    await this.pace(busyMs);
    await this.giveWay();
  }

  /** Waits for `yieldTo`, cut short by stop(). */
  private giveWay(): Promise<void> {
    if (this.settings.yieldTo === undefined || this.stopping) return Promise.resolve();
    return Promise.race([this.settings.yieldTo(), this.stopped]);
  }

  private pace(busyMs: number): Promise<void> {
    // setTimeout takes at most 2^31 - 1 ms.
    const idleMs = Math.min((busyMs * (1 - this.settings.cpuShare)) / this.settings.cpuShare, 2 ** 31 - 1);
    if (this.stopping || idleMs <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, idleMs);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  /** Stops looking, cuts a pause short and waits for the segment in progress to be given up. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    this.wake?.();
    this.resolveStopped();
    await this.pass;
  }
}
