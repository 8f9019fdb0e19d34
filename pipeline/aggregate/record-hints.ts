/**
 * Producers send a partition's series in the same order scrape after scrape, so the aggregator
 * remembers, per record layout (keyed by its first series), which rule entries the series at each
 * position feed. A position is reused only while its labels are equal to the remembered ones and
 * none of its entries was forgotten (staleness); otherwise it is resolved again. This spares
 * building each series' canonical key and the map lookups behind it on every record.
 *
 * A layout is kept in flat arrays, a position's targets as (rule, row) pairs next to each other:
 * applying a record walks them in order instead of following an object per series and rule to
 * its state and entry (those loads, from all over the heap, were the biggest part of the
 * aggregator's per-sample time in a profile of the aggregation bench).
 */
import type { Labels } from '../../schemas/index.js';
import { seriesForgotten, type PartitionState, type SampleCounts, type SeriesEntry } from './partition-state.js';
import type { RuleState } from './rule-state.js';

/** A rule's state on one partition: where the targets of that rule apply their samples. */
export interface RuleBinding {
  readonly state: RuleState;
  readonly partition: PartitionState;
  /** The rule's sample counts (one per rule, also where a rule has a state per partition). */
  readonly counters: SampleCounts;
}

/** Bounds: record layouts remembered per partition, and positions and targets over all of them. */
const MAX_LAYOUTS = 1024;
const MAX_SLOTS = 4_000_000;

export function sameLabels(a: Labels, b: Labels): boolean {
  if (a === b) return true;
  let n = 0;
  for (const k in a) {
    if (a[k] !== b[k]) return false;
    n++;
  }
  for (const _ in b) n--;
  return n === 0;
}

/** A record layout's targets of one rule, in position order (PartitionState.applyRows reads them). */
export interface RuleTargets {
  readonly rule: number;
  readonly positions: Int32Array;
  readonly rows: Int32Array;
}

export class RecordLayout {
  /** Per position: the labels object last seen there (equal labels in a new object replace it: see usable). */
  readonly labels: (Labels | undefined)[] = [];
  /** Per position: seriesForgotten() when its targets were last found alive (while unchanged, none was forgotten since). */
  readonly checked: number[] = [];
  /** Per position: its first target and how many it has. */
  readonly first: number[] = [];
  readonly count: number[] = [];
  /** Per target: the rule's index, the series' row in that rule's partition state, and its entry. */
  readonly rule: number[] = [];
  readonly row: number[] = [];
  readonly entries: SeriesEntry[] = [];
  /** The targets rule by rule, made from the above when first asked for after a change. */
  private rules: RuleTargets[] | undefined;
  /**
   * A record's labels array whose every position was found usable, and seriesForgotten() then:
   * while both are unchanged, a record with that array is usable as a whole (see `allUsable`).
   */
  private checkedLabels: readonly Labels[] | undefined;
  private checkedForgotten = -1;

  /**
   * Whether every position of a record with `labels` is known usable without looking at each: a
   * decoder's LabelSectionMemo hands out the same array for a label section seen again, so a
   * producer's next scrape of the same series is this array, and a walk over its positions (a
   * load from elsewhere in the heap per series, a tenth of the aggregator's time in a profile of
   * the aggregation bench) finds nothing new while no series was forgotten meanwhile.
   */
  allUsable(labels: readonly Labels[]): boolean {
    return labels === this.checkedLabels && this.checkedForgotten === seriesForgotten();
  }

  /** Every position of `labels` was found usable just now (see `allUsable`). */
  checkedAll(labels: readonly Labels[]): void {
    this.checkedLabels = labels;
    this.checkedForgotten = seriesForgotten();
  }

  /** Whether position `k`'s targets hold for a series with `labels`. */
  usable(k: number, labels: Labels): boolean {
    const known = this.labels[k];
    if (known !== labels) {
      if (known === undefined || !sameLabels(known, labels)) return false;
      // The same series in another labels object: a decoder's LabelSectionMemo hands out one object
      // per series from a section's second sight on, so keeping the newest makes later records
      // compare by identity instead of label by label.
      this.labels[k] = labels;
    }
    const forgotten = seriesForgotten();
    if (this.checked[k] === forgotten) return true;
    const end = this.first[k]! + this.count[k]!;
    for (let j = this.first[k]!; j < end; j++) if (this.entries[j]!.forgotten) return false;
    this.checked[k] = forgotten;
    return true;
  }

  /**
   * The targets rule by rule (rules in ascending order, each one's targets in position order): a
   * record whose every position is usable is applied a rule at a time with these.
   */
  byRule(): readonly RuleTargets[] {
    if (this.rules !== undefined) return this.rules;
    const positions: number[][] = [];
    const rows: number[][] = [];
    for (let k = 0; k < this.first.length; k++) {
      const end = this.first[k]! + this.count[k]!;
      for (let j = this.first[k]!; j < end; j++) {
        const r = this.rule[j]!;
        (positions[r] ??= []).push(k);
        (rows[r] ??= []).push(this.row[j]!);
      }
    }
    const rules: RuleTargets[] = [];
    for (let r = 0; r < positions.length; r++) {
      if (positions[r] !== undefined) rules.push({ rule: r, positions: Int32Array.from(positions[r]!), rows: Int32Array.from(rows[r]!) });
    }
    return (this.rules = rules);
  }

  /** Adds a target to the position being resolved (see `resolved`). */
  target(rule: number, entry: SeriesEntry): void {
    this.rule.push(rule);
    this.row.push(entry.row);
    this.entries.push(entry);
  }

  /**
   * Position `k` (resolved again, or new) has the targets added since `from`; returns how many
   * positions and targets it added to the layout (a position resolved again leaves its old targets
   * unused until the layout is let go).
   */
  resolved(k: number, labels: Labels, from: number): number {
    let added = this.rule.length - from;
    this.rules = undefined;
    // Another record of this layout may hold other series at this position: checked again.
    this.checkedLabels = undefined;
    // Positions are filled in record order; a longer record than before adds the ones between.
    while (this.labels.length < k) {
      this.labels.push(undefined);
      this.checked.push(-1);
      this.first.push(0);
      this.count.push(0);
      added++;
    }
    this.labels[k] = labels;
    this.checked[k] = seriesForgotten();
    this.first[k] = from;
    this.count[k] = this.rule.length - from;
    return added + 1;
  }
}

export class RecordHints {
  private readonly layouts = new Map<number, Map<string, RecordLayout>>();
  /** Per partition, per rule index: the rule's binding there (made at the first target of the rule). */
  private readonly bindings = new Map<number, (RuleBinding | undefined)[]>();
  private slots = 0;

  /** The remembered positions of a record layout of `partition` (filled in by the caller). */
  layout(partition: number, firstKey: string): RecordLayout {
    let m = this.layouts.get(partition);
    if (m === undefined) this.layouts.set(partition, (m = new Map()));
    let l = m.get(firstKey);
    if (l === undefined) {
      if (m.size >= MAX_LAYOUTS || this.slots >= MAX_SLOTS) this.clear();
      m = this.layouts.get(partition) ?? new Map<string, RecordLayout>();
      this.layouts.set(partition, m);
      m.set(firstKey, (l = new RecordLayout()));
    }
    return l;
  }

  /** The rule bindings of `partition` (filled in by the caller). */
  bindingsOf(partition: number): (RuleBinding | undefined)[] {
    let b = this.bindings.get(partition);
    if (b === undefined) this.bindings.set(partition, (b = []));
    return b;
  }

  /** Counts positions and targets added to a layout (for the bound). */
  grew(n: number): void {
    this.slots += n;
  }

  clear(): void {
    this.layouts.clear();
    this.bindings.clear();
    this.slots = 0;
  }
}
