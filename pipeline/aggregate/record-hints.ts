/**
 * Producers send a partition's series in the same order scrape after scrape, so the aggregator
 * remembers, per record layout (keyed by its first series), which rule entries the series at each
 * position feed. A position is reused only while its labels are equal to the remembered ones and
 * none of its entries was forgotten (staleness); otherwise it is resolved again. This spares
 * building each series' canonical key and the map lookups behind it on every record.
 */
import type { Labels } from '../../schemas/index.js';
import { seriesForgotten, type PartitionState, type SampleCounts, type SeriesEntry } from './partition-state.js';
import type { RuleState } from './rule-state.js';

export interface RuleTarget {
  readonly state: RuleState;
  readonly partition: PartitionState;
  readonly entry: SeriesEntry;
  /** The rule's sample counts (one per rule, also where a rule has a state per partition). */
  readonly counters: SampleCounts;
}

export interface SeriesSlot {
  /** The labels object last seen at this position (equal labels in a new object replace it: see slotUsable). */
  labels: Labels;
  readonly targets: readonly RuleTarget[];
  /** seriesForgotten() when the targets were last found alive: while it is unchanged, none was forgotten since. */
  forgotten: number;
}

/** Bounds: record layouts remembered per partition, and positions over all of them. */
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

export function slotUsable(slot: SeriesSlot | undefined, labels: Labels): slot is SeriesSlot {
  if (slot === undefined) return false;
  if (slot.labels !== labels) {
    if (!sameLabels(slot.labels, labels)) return false;
    // The same series in another labels object: a decoder's LabelSectionMemo hands out one object
    // per series from a section's second sight on, so keeping the newest makes later records
    // compare by identity instead of label by label.
    slot.labels = labels;
  }
  const forgotten = seriesForgotten();
  if (slot.forgotten === forgotten) return true;
  for (const t of slot.targets) if (t.entry.forgotten === true) return false;
  slot.forgotten = forgotten;
  return true;
}

export class RecordHints {
  private readonly layouts = new Map<number, Map<string, (SeriesSlot | undefined)[]>>();
  private slots = 0;

  /** The remembered positions of a record layout of `partition` (filled in by the caller). */
  layout(partition: number, firstKey: string): (SeriesSlot | undefined)[] {
    let m = this.layouts.get(partition);
    if (m === undefined) this.layouts.set(partition, (m = new Map()));
    let l = m.get(firstKey);
    if (l === undefined) {
      if (m.size >= MAX_LAYOUTS || this.slots >= MAX_SLOTS) this.clear();
      m = this.layouts.get(partition) ?? new Map<string, (SeriesSlot | undefined)[]>();
      this.layouts.set(partition, m);
      m.set(firstKey, (l = []));
    }
    return l;
  }

  /** Counts positions added to a layout (for the bound). */
  grew(n: number): void {
    this.slots += n;
  }

  clear(): void {
    this.layouts.clear();
    this.slots = 0;
  }
}
