import { canonicalLabels, compareStrings, type Labels } from '../../schemas/labels.js';
import { PromqlTooManySamplesError } from '../promql/index.js';
import { selectHints, type LabelMatcher, type Querier, type Queryable, type SelectHints, type Series, type SeriesSet } from '../tsdb/index.js';
import { ShardsUnavailableError } from './errors.js';
import type { FanoutObserver } from './metrics.js';
import { dedupReplicas, stripReplicaLabels } from './replica-dedup.js';
import { mergeSeriesCopies } from './series-merge.js';

/** One place the fan-out reads from: a local shard set or a remote store. */
export interface FanoutShard {
  /** Names the shard in warnings, e.g. `store-1 (http://10.0.0.5:9464)`. */
  readonly name: string;
  readonly queryable: Queryable;
  /** Partitions of the samples topic it holds, when known (for the coverage warning). */
  readonly partitions?: readonly number[];
}

export interface FanoutOptions {
  /** Labels that tell HA replicas apart (e.g. `__replica__`); their series are deduplicated. */
  readonly replicaLabels?: readonly string[];
  /** true (default): unreachable shards become warnings; false: any failure fails the read. */
  readonly partialResponse?: boolean;
  /** Partitions of the samples topic; when set, partitions no shard holds are warned about. */
  readonly partitionCount?: number;
  /** Told about failed store reads and partial answers (the query role's metrics). */
  readonly observer?: FanoutObserver;
}

export type ShardLister = () => Promise<readonly FanoutShard[]>;

/**
 * A Querier over every shard: each call goes to all shards at once, series present in several
 * shards are merged (a sample per timestamp), HA replica series are deduplicated, and the result
 * is sorted. A shard that fails is reported in `warnings` (partial response) unless every shard
 * failed or partial responses are off; then the call throws ShardsUnavailableError. Label calls
 * carry no warnings in the Querier interface: read them from `warnings()` afterwards.
 */
export class FanoutQuerier implements Querier {
  private shards: Promise<{ shard: FanoutShard; querier: Querier }[]> | null = null;
  private readonly seenWarnings = new Set<string>();
  private readonly replicaLabels: readonly string[];

  constructor(
    private readonly lister: ShardLister,
    private readonly mint: number,
    private readonly maxt: number,
    private readonly options: FanoutOptions = {},
  ) {
    this.replicaLabels = options.replicaLabels ?? [];
  }

  /** Every warning raised so far by this querier's calls. */
  warnings(): string[] {
    return [...this.seenWarnings];
  }

  private open(): Promise<{ shard: FanoutShard; querier: Querier }[]> {
    this.shards ??= this.lister().then((list) => {
      this.checkCoverage(list);
      return list.map((shard) => ({ shard, querier: shard.queryable.querier(this.mint, this.maxt) }));
    });
    return this.shards;
  }

  private checkCoverage(list: readonly FanoutShard[]): void {
    const n = this.options.partitionCount;
    if (n === undefined) return;
    const held = new Set<number>();
    for (const s of list) for (const p of s.partitions ?? []) held.add(p);
    const missing: number[] = [];
    for (let p = 0; p < n; p++) if (!held.has(p)) missing.push(p);
    if (missing.length > 0) this.seenWarnings.add(`no store holds partition${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: results may be incomplete`);
  }

  /** Runs `fn` on every shard; failures become warnings (or an error, see the class comment). */
  private async each<T>(fn: (q: Querier) => Promise<T>): Promise<{ results: T[]; warnings: string[] }> {
    const shards = await this.open();
    const settled = await Promise.allSettled(shards.map((s) => fn(s.querier)));
    const results: T[] = [];
    const failures: string[] = [];
    let firstError: unknown;
    settled.forEach((r, i) => {
      if (r.status === 'fulfilled') results.push(r.value);
      // The query asked too much of a shard that answered: no partial answer makes it smaller.
      else if (r.reason instanceof PromqlTooManySamplesError) throw r.reason;
      else {
        firstError ??= r.reason;
        this.options.observer?.storeFailed(shards[i].shard.name);
        failures.push(`shard ${shards[i].shard.name} unavailable: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`);
      }
    });
    if (failures.length > 0 && (results.length === 0 || this.options.partialResponse === false)) {
      throw new ShardsUnavailableError(failures, firstError);
    }
    for (const f of failures) this.seenWarnings.add(f);
    if (failures.length > 0) this.options.observer?.partialRead();
    return { results, warnings: [...this.seenWarnings] };
  }

  async select(matchers: readonly LabelMatcher[], hints: SelectHints): Promise<SeriesSet> {
    // Copies of a series merged and replicas deduplicated read samples, which presence summaries
    // (SelectHints.presenceLookback) leave out: shards are read in full.
    const read = hints.presenceLookback === undefined ? hints : selectHints(hints, { presenceLookback: undefined });
    const { results, warnings } = await this.each((q) => q.select(matchers, read));
    for (const set of results) for (const w of set.warnings) this.seenWarnings.add(w);
    const all = results.length === 1 ? results[0].series : results.flatMap((s) => s.series);
    const merged = results.length === 1 ? all : mergeCopies(all, hints.labelsOnly === true);
    const series = this.replicaLabels.length === 0 ? merged : dedupAll(merged, this.replicaLabels, hints.labelsOnly === true);
    return { series, warnings: [...new Set([...warnings, ...this.seenWarnings])] };
  }

  async labelNames(matchers: readonly LabelMatcher[]): Promise<string[]> {
    const { results } = await this.each((q) => q.labelNames(matchers));
    const names = new Set(results.flat());
    for (const r of this.replicaLabels) names.delete(r);
    return [...names].sort(compareStrings);
  }

  async labelValues(name: string, matchers: readonly LabelMatcher[]): Promise<string[]> {
    if (this.replicaLabels.includes(name)) return [];
    const { results } = await this.each((q) => q.labelValues(name, matchers));
    return [...new Set(results.flat())].sort(compareStrings);
  }

  async close(): Promise<void> {
    if (this.shards === null) return;
    const shards = await this.shards.catch(() => []);
    await Promise.allSettled(shards.map((s) => s.querier.close()));
  }
}

/** Queriers over every shard the lister names at query time. */
export class FanoutQueryable implements Queryable {
  constructor(
    private readonly lister: ShardLister,
    private readonly options: FanoutOptions = {},
  ) {}

  querier(mint: number, maxt: number): FanoutQuerier {
    return new FanoutQuerier(this.lister, mint, maxt, this.options);
  }
}

function sortByLabels(series: Series[]): Series[] {
  const keyed = series.map((s) => ({ k: canonicalLabels(s.labels), s }));
  keyed.sort((a, b) => compareStrings(a.k, b.k));
  return keyed.map((x) => x.s);
}

/** Series with equal labels from several shards become one; the result is sorted. */
function mergeCopies(all: readonly Series[], labelsOnly: boolean): Series[] {
  const groups = new Map<string, Series[]>();
  for (const s of all) {
    const k = canonicalLabels(s.labels);
    const g = groups.get(k);
    if (g === undefined) groups.set(k, [s]);
    else g.push(s);
  }
  const keys = [...groups.keys()].sort(compareStrings);
  return keys.map((k) => {
    const g = groups.get(k)!;
    return g.length === 1 || labelsOnly ? g[0] : mergeSeriesCopies(g[0].labels, g);
  });
}

/** Series that differ only in replica labels become one (see dedupReplicas); sorted again. */
function dedupAll(series: Series[], replicaLabels: readonly string[], labelsOnly: boolean): Series[] {
  if (!series.some((s) => replicaLabels.some((r) => s.labels[r] !== undefined))) return series;
  const groups = new Map<string, { labels: Labels; members: Series[] }>();
  for (const s of series) {
    const labels = stripReplicaLabels(s.labels, replicaLabels);
    const k = canonicalLabels(labels);
    const g = groups.get(k);
    if (g === undefined) groups.set(k, { labels, members: [s] });
    else g.members.push(s);
  }
  const out: Series[] = [];
  for (const { labels, members } of groups.values()) {
    if (members.length === 1 || labelsOnly) out.push({ ...members[0], labels });
    else out.push(dedupReplicas(labels, members));
  }
  return sortByLabels(out);
}
