import type { QueryRoute } from './api-settings.js';

/**
 * Queries the process is answering now, for background work that should give way to them (the
 * embedded bus' log compaction in `tidemark up`, which shares the machine's cores with the query
 * threads): `whenIdle` resolves once no query has been in flight for `quietMs` (a dashboard's
 * queries come in bursts, one after another: a gap between two of them is no time to start a
 * piece of background work that would then run beside the next), or after a bound, so that a
 * steady stream of queries slows such work down without stopping it.
 */
export class QueryActivity {
  private inFlight = 0;
  private lastEnd = -Infinity;
  private waiters: Array<() => void> = [];
  private quietTimer: NodeJS.Timeout | undefined;

  constructor(readonly quietMs = 1_000) {}

  /** Queries in flight. */
  get running(): number {
    return this.inFlight;
  }

  /** Counts a query in flight until the returned function is called (once). */
  begin(): () => void {
    this.inFlight++;
    clearTimeout(this.quietTimer);
    this.quietTimer = undefined;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.inFlight--;
      this.lastEnd = performance.now();
      this.scheduleWake();
    };
  }

  /** Resolves when no query has been in flight for `quietMs`, or after `maxWaitMs` at the latest. */
  whenIdle(maxWaitMs: number): Promise<void> {
    if (this.inFlight === 0 && performance.now() - this.lastEnd >= this.quietMs) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        const i = this.waiters.indexOf(done);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve();
      };
      // Background work waiting is no reason to keep the process alive.
      const timer = setTimeout(done, maxWaitMs).unref();
      this.waiters.push(done);
      this.scheduleWake();
    });
  }

  /** With nothing in flight and someone waiting, wakes the waiters once the quiet time has passed. */
  private scheduleWake(): void {
    if (this.inFlight > 0 || this.waiters.length === 0 || this.quietTimer !== undefined) return;
    const wake = (): void => {
      this.quietTimer = undefined;
      if (this.inFlight > 0) return;
      const left = this.quietMs - (performance.now() - this.lastEnd);
      if (left > 0) {
        this.quietTimer = setTimeout(wake, left).unref();
        return;
      }
      for (const w of this.waiters.slice()) w();
    };
    this.quietTimer = setTimeout(wake, Math.max(0, this.quietMs - (performance.now() - this.lastEnd))).unref();
  }

  /** `routes` with each request to the query endpoints counted in flight until its response is done. */
  track(routes: readonly QueryRoute[]): QueryRoute[] {
    return routes.map((route) => {
      if (!QUERY_PATHS.has(route.path)) return route;
      return {
        ...route,
        handler: async (req, res, url) => {
          const end = this.begin();
          // A client that goes away before the answer ends it too ('close' comes either way).
          res.once('close', end);
          try {
            await route.handler(req, res, url);
          } finally {
            end();
          }
        },
      };
    });
  }
}

/** The endpoints that evaluate PromQL. */
const QUERY_PATHS = new Set(['/api/v1/query', '/api/v1/query_range']);

/** The process' queries in flight (every query API of the process counts into it). */
export const queryActivity = new QueryActivity();
