/**
 * Steady ingest for the fault scenarios: every 100 ms one Influx line-protocol write of one sample
 * for each of `series` series, timestamped with the wall clock (strictly increasing). It remembers
 * which samples were acknowledged (2xx: the bus has them) and which were not (the request failed:
 * they may or may not be stored, but at most once).
 */
export class SteadyFeeder {
  readonly acked = new Map<string, number[]>();
  readonly unacked = new Map<string, number[]>();
  private lastTs = 0;
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  failures = 0;

  constructor(
    private readonly ingestUrl: string,
    readonly series: readonly string[] = Array.from({ length: 8 }, (_, i) => `s${i}`),
  ) {
    for (const s of series) {
      this.acked.set(s, []);
      this.unacked.set(s, []);
    }
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after the write in flight; resolves once it has been answered. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** The newest acknowledged timestamp. */
  get lastAcked(): number {
    return Math.max(0, ...[...this.acked.values()].map((ts) => ts[ts.length - 1] ?? 0));
  }

  private async run(): Promise<void> {
    while (this.running) {
      const ts = Math.max(Date.now(), this.lastTs + 1);
      this.lastTs = ts;
      // The value is the timestamp, so a sample identifies itself.
      const body = this.series.map((s) => `sys_steady,series=${s} value=${ts} ${ts}`).join('\n') + '\n';
      let ok = false;
      try {
        const res = await fetch(`${this.ingestUrl}/write?db=sys&precision=ms`, {
          method: 'POST',
          body,
          signal: AbortSignal.timeout(10_000),
        });
        await res.arrayBuffer();
        ok = res.status >= 200 && res.status < 300;
      } catch {
        ok = false;
      }
      if (!ok) this.failures++;
      for (const s of this.series) (ok ? this.acked : this.unacked).get(s)!.push(ts);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
