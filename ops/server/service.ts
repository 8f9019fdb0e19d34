import type { TidemarkConfig } from '../config/index.js';

/**
 * The lifecycle every long-lived part of a role has. `stop()` is idempotent, safe without
 * `start()`, and flushes: it stops taking input, finishes what is in flight and commits.
 */
export interface Service {
  readonly name: string;
  start(): Promise<void>;
  /** True once the service does its job (for a consumer: it has joined its group and is fetching). */
  ready(): boolean;
  /**
   * Called once, a turn of the event loop after every service of the role has started (the
   * readiness check of that moment answered first): for work that makes the first requests
   * faster but need not hold the start back.
   */
  roleStarted?(): void;
  /** Applies a reloaded configuration; throws to reject it (the old one stays in force). */
  applyConfig?(cfg: TidemarkConfig): Promise<void>;
  stop(): Promise<void>;
}
