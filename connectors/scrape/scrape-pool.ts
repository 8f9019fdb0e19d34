import type { Agent } from 'node:http';
import type { Labels } from '../../schemas/labels.js';
import type { ResolvedScrapeConfig } from './config.js';
import { StaticDiscoverer, type Discoverer, type TargetGroup } from './discovery.js';
import { FileDiscoverer } from './file-discoverer.js';
import { HttpDiscoverer } from './http-discoverer.js';
import { createAgent } from './http-scraper.js';
import { compileRelabelRules, type RelabelRule } from './relabel.js';
import { ScrapeLoop, type ScrapeLoopSettings } from './scrape-loop.js';
import { populateTargetLabels } from './target-labels.js';
import { Target } from './target.js';

export interface ScrapePoolSettings extends Omit<ScrapeLoopSettings, 'agent'> {
  /** This replica's share of the targets (`--shard i/n`); all targets when absent. */
  readonly shard?: { readonly index: number; readonly count: number };
  /** Directory relative file_sd paths are resolved against. */
  readonly baseDir: string;
}

const json = (v: unknown) => JSON.stringify(v);

/** The parts of a scrape config that change how samples are labeled (cached label sets depend on them). */
function labelShaping(c: ResolvedScrapeConfig): string {
  return json([c.honor_labels, c.honor_timestamps, c.track_timestamps_staleness, c.metric_relabel_configs, c.label_limit, c.label_name_length_limit, c.label_value_length_limit]);
}
function discoveryOf(c: ResolvedScrapeConfig): string {
  return json([c.static_configs, c.file_sd_configs, c.http_sd_configs]);
}
function clientOf(c: ResolvedScrapeConfig): string {
  return json([c.basic_auth, c.authorization, c.bearer_token, c.bearer_token_file, c.tls_config, c.follow_redirects, c.scheme]);
}

/**
 * The targets and scrape loops of one `scrape_configs` entry (Prometheus' scrapePool): merges what
 * the discoverers report, computes target labels, keeps this replica's shard, and starts, keeps
 * or stops one loop per distinct target. A target that goes away is marked stale.
 */
export class ScrapePool {
  private cfg: ResolvedScrapeConfig;
  private relabelRules: RelabelRule[];
  private metricRules: RelabelRule[];
  private discoverers: Discoverer[] = [];
  private groups = new Map<number, readonly TargetGroup[]>();
  private readonly loops = new Map<bigint, ScrapeLoop>();
  private readonly stopping = new Set<ScrapeLoop>();
  private agent: Agent;
  private started = false;
  private droppedTargets: Labels[] = [];
  /** Discoverers that have not delivered their first update yet. */
  private pendingFirst = new Set<number>();

  constructor(
    cfg: ResolvedScrapeConfig,
    private readonly settings: ScrapePoolSettings,
  ) {
    this.cfg = cfg;
    this.relabelRules = compileRelabelRules(cfg.relabel_configs);
    this.metricRules = compileRelabelRules(cfg.metric_relabel_configs);
    this.agent = createAgent(cfg, cfg.scheme === 'https');
  }

  get name(): string {
    return this.cfg.job_name;
  }

  get config(): ResolvedScrapeConfig {
    return this.cfg;
  }

  /** True once every discoverer delivered its first list. */
  get synced(): boolean {
    return this.started && this.pendingFirst.size === 0;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.startDiscovery();
  }

  private startDiscovery(): void {
    const onError = (err: unknown) => this.settings.onError?.(err);
    const c = this.cfg;
    const ds: Discoverer[] = [];
    ds.push(
      new StaticDiscoverer(
        c.static_configs.map((sc, i) => ({ source: String(i), targets: sc.targets.map((t) => ({ __address__: t })), labels: sc.labels })),
      ),
    );
    for (const f of c.file_sd_configs) ds.push(new FileDiscoverer(f, this.settings.baseDir, onError));
    for (const h of c.http_sd_configs) ds.push(new HttpDiscoverer(h, onError));
    this.discoverers = ds;
    this.groups = new Map();
    this.pendingFirst = new Set(ds.map((_, i) => i));
    ds.forEach((d, i) =>
      d.start((groups) => {
        if (this.discoverers !== ds) return;
        this.groups.set(i, groups);
        this.pendingFirst.delete(i);
        this.sync();
      }),
    );
  }

  /** Recomputes the target list from the current groups and reconciles the loops. */
  sync(): void {
    if (!this.started) return;
    const wanted = new Map<bigint, Target>();
    const dropped: Labels[] = [];
    for (const groups of this.groups.values()) {
      for (const g of groups) {
        for (const t of g.targets) {
          const lset = { ...g.labels, ...t };
          try {
            const r = populateTargetLabels(lset, this.cfg, this.relabelRules);
            if (r.labels === undefined) {
              const keep = this.cfg.keep_dropped_targets;
              if (keep === 0 || dropped.length < keep) dropped.push(r.discovered);
              continue;
            }
            const target = new Target(r.labels, r.discovered, this.cfg.job_name, this.cfg.params);
            const shard = this.settings.shard;
            if (shard !== undefined && !target.inShard(shard.index, shard.count)) continue;
            if (!wanted.has(target.hash)) wanted.set(target.hash, target);
          } catch (err) {
            this.settings.onError?.(err);
          }
        }
      }
    }
    this.droppedTargets = dropped;
    for (const [hash, loop] of this.loops) {
      if (wanted.has(hash)) continue;
      this.loops.delete(hash);
      this.stopping.add(loop);
      void loop.stop(true).catch((err) => this.settings.onError?.(err, loop.target)).finally(() => this.stopping.delete(loop));
    }
    for (const [hash, target] of wanted) {
      if (this.loops.has(hash)) continue;
      const loop = new ScrapeLoop(target, this.cfg, this.metricRules, { ...this.settings, agent: this.agent });
      this.loops.set(hash, loop);
      loop.start();
    }
    const limit = this.cfg.target_limit;
    const err = limit > 0 && this.loops.size > limit ? new Error(`target_limit exceeded (number of targets: ${this.loops.size}, limit: ${limit})`) : undefined;
    for (const loop of this.loops.values()) loop.setForcedError(err);
  }

  /** A reload of this job: unchanged targets keep their loops and series caches. */
  applyConfig(cfg: ResolvedScrapeConfig): void {
    const old = this.cfg;
    if (json(old) === json(cfg)) return;
    this.cfg = cfg;
    this.relabelRules = compileRelabelRules(cfg.relabel_configs);
    this.metricRules = compileRelabelRules(cfg.metric_relabel_configs);
    if (clientOf(old) !== clientOf(cfg)) {
      this.agent.destroy();
      this.agent = createAgent(cfg, cfg.scheme === 'https');
    }
    const labelsChanged = labelShaping(old) !== labelShaping(cfg);
    for (const loop of this.loops.values()) loop.update(cfg, this.metricRules, labelsChanged);
    if (this.started && discoveryOf(old) !== discoveryOf(cfg)) {
      for (const d of this.discoverers) d.stop();
      this.startDiscovery();
    } else {
      this.sync();
    }
  }

  activeTargets(): Target[] {
    return [...this.loops.values()].map((l) => l.target);
  }

  dropped(): readonly Labels[] {
    return this.droppedTargets;
  }

  /** The loop of a target (tests and the targets API). */
  loopFor(target: Target): ScrapeLoop | undefined {
    return this.loops.get(target.hash);
  }

  /**
   * Stops discovery and loops. `staleness`: the job was removed from the config, so its targets
   * are marked stale; otherwise (shutdown) nothing is written and pending staleness waits end.
   */
  async stop(staleness = false): Promise<void> {
    for (const d of this.discoverers) d.stop();
    this.discoverers = [];
    const loops = [...this.loops.values()];
    this.loops.clear();
    if (!staleness) for (const l of this.stopping) l.cancelStaleness();
    const stops = loops.map((l) => l.stop(staleness));
    if (staleness) {
      this.started = false;
      void Promise.allSettled(stops).then(() => this.agent.destroy());
      return;
    }
    await Promise.allSettled([...stops, ...[...this.stopping].map((l) => l.stop(false))]);
    this.started = false;
    this.agent.destroy();
  }
}
