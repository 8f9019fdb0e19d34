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
  /** Applies a reloaded configuration; throws to reject it (the old one stays in force). */
  applyConfig?(cfg: TidemarkConfig): Promise<void>;
  stop(): Promise<void>;
}
