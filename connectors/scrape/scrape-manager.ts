import { resolve } from 'node:path';
import { resolveScrapeConfig, type ResolvedScrapeConfig, type ScrapeManagerConfig } from './config.js';
import { resolveClientFiles } from './http-client-config.js';
import type { Labels } from '../../schemas/labels.js';
import { ScrapePool, type ScrapePoolSettings } from './scrape-pool.js';
import type { Target } from './target.js';

export type ScrapeManagerSettings = Omit<ScrapePoolSettings, 'baseDir'> & {
  /** Directory relative file_sd paths are resolved against (the config file's); default cwd. */
  readonly baseDir?: string;
};

/** `--shard i/n`: this replica is `i` (0-based) of `n`. Throws on anything else. */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m === null ? NaN : Number(m[1]);
  const count = m === null ? NaN : Number(m[2]);
  if (!(count >= 1 && index >= 0 && index < count)) {
    throw new Error(`invalid --shard ${JSON.stringify(text)}: expected i/n with 0 <= i < n, e.g. 0/3`);
  }
  return { index, count };
}

export interface DroppedTarget {
  readonly discoveredLabels: Labels;
  readonly scrapePool: string;
}

/**
 * All scrape pools of one `tidemark ingest` (Prometheus' scrape.Manager). Lifecycle as every
 * Tidemark component: `applyConfig` (before or after `start`), `start`, `stop` (idempotent, safe
 * without start). A reload keeps the pools, loops and series caches of unchanged jobs and targets;
 * a removed job's targets are marked stale.
 */
export class ScrapeManager {
  private readonly pools = new Map<string, ScrapePool>();
  private started = false;
  private stopped = false;
  private configured = false;

  constructor(private readonly settings: ScrapeManagerSettings) {}

  /** Validates and applies `scrape_configs` (with `global` inheritance). Throws on an invalid config. */
  applyConfig(cfg: ScrapeManagerConfig): void {
    const baseDir = this.settings.baseDir ?? process.cwd();
    // Relative secret and certificate files are relative to the config file, as in Prometheus.
    const resolved = cfg.scrape_configs.map((sc): ResolvedScrapeConfig => {
      const r = resolveClientFiles(resolveScrapeConfig(sc, cfg.global), baseDir);
      const failureLog = r.scrape_failure_log_file === '' ? '' : resolve(baseDir, r.scrape_failure_log_file);
      return { ...r, scrape_failure_log_file: failureLog, http_sd_configs: r.http_sd_configs.map((h) => resolveClientFiles(h, baseDir)) };
    });
    const names = new Set<string>();
    for (const r of resolved) {
      if (names.has(r.job_name)) throw new Error(`found multiple scrape configs with job name ${JSON.stringify(r.job_name)}`);
      names.add(r.job_name);
    }
    for (const [name, pool] of this.pools) {
      if (names.has(name)) continue;
      this.pools.delete(name);
      void pool.stop(true);
    }
    for (const r of resolved) {
      const pool = this.pools.get(r.job_name);
      if (pool !== undefined) {
        pool.applyConfig(r);
        continue;
      }
      const p = new ScrapePool(r, { ...this.settings, baseDir });
      this.pools.set(r.job_name, p);
      if (this.started) p.start();
    }
    this.configured = true;
  }

  start(signal?: AbortSignal): void {
    if (this.started || this.stopped) return;
    this.started = true;
    for (const p of this.pools.values()) p.start();
    signal?.addEventListener('abort', () => void this.stop(), { once: true });
  }

  /** Started, configured, and every pool's discovery delivered its first targets. */
  ready(): boolean {
    if (!this.started || this.stopped || !this.configured) return false;
    for (const p of this.pools.values()) if (!p.synced) return false;
    return true;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.allSettled(pools.map((p) => p.stop(false)));
  }

  /** Pool names, sorted. */
  poolNames(): string[] {
    return [...this.pools.keys()].sort();
  }

  pool(name: string): ScrapePool | undefined {
    return this.pools.get(name);
  }

  /** Active targets by pool (pools sorted by name), as `/api/v1/targets` lists them. */
  activeTargets(): Target[] {
    return this.poolNames().flatMap((n) => this.pools.get(n)!.activeTargets());
  }

  droppedTargets(): DroppedTarget[] {
    return this.poolNames().flatMap((n) => this.pools.get(n)!.dropped().map((d) => ({ discoveredLabels: d, scrapePool: n })));
  }
}
