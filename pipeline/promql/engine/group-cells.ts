import type { Labels } from '../../../schemas/labels.js';

/** Per-step state of one output group of a series-major aggregation, as evalAggregate keeps it for one step. */
export interface GroupCells {
  readonly key: string;
  readonly labels: Labels;
  readonly count: Float64Array;
  readonly value: Float64Array;
  readonly c: Float64Array;
  readonly mean: Float64Array;
  readonly incremental: Uint8Array;
  /** First input row of the group at each step: groups are emitted in first-appearance order. */
  readonly first: Int32Array;
  /** Any input row drops its name, so the group does (as evalAggregate decides per step). */
  dropName: boolean;
}

export function newGroupCells(key: string, labels: Labels, steps: number): GroupCells {
  return {
    key,
    labels,
    count: new Float64Array(steps),
    value: new Float64Array(steps),
    c: new Float64Array(steps),
    mean: new Float64Array(steps),
    incremental: new Uint8Array(steps),
    first: new Int32Array(steps),
    dropName: false,
  };
}

/**
 * Aggregations whose groups, each accumulated over a contiguous run of the rows, merge into
 * exactly the groups one pass over all rows gives: counts add, and a min/max over runs in row
 * order keeps the value one pass keeps (the first of equal values, NaN only when all are).
 * Compensated sums (sum, avg, stddev, stdvar) depend on the order of every addition: not these.
 */
export const MERGEABLE_AGGREGATIONS: ReadonlySet<string> = new Set(['count', 'group', 'min', 'max']);

/**
 * An aggregation whose evaluation threads each computed its groups over their part of the rows
 * (split evaluation): the parts' groups in row order, and what computing them gave besides.
 */
export interface GroupParts {
  readonly parts: readonly (readonly GroupCells[])[];
  /** Per step, the samples step-by-step evaluation would count for all rows. */
  readonly samples: Float64Array;
  /** Annotations computing the rows gave, in the order one thread gives them. */
  readonly warnings: readonly string[];
  readonly infos: readonly string[];
}

/**
 * The groups one pass over the rows of every part, in order, gives (`op` one of
 * MERGEABLE_AGGREGATIONS): groups in first-appearance order, the earliest first row at each step.
 */
export function mergeGroupParts(op: string, parts: readonly (readonly GroupCells[])[], steps: number): GroupCells[] {
  if (!MERGEABLE_AGGREGATIONS.has(op)) throw new Error(`${op} groups do not merge exactly`);
  const index = new Map<string, GroupCells>();
  const out: GroupCells[] = [];
  for (const groups of parts) {
    for (const g of groups) {
      let m = index.get(g.key);
      if (m === undefined) {
        m = newGroupCells(g.key, g.labels, steps);
        index.set(g.key, m);
        out.push(m);
      }
      if (g.dropName) m.dropName = true;
      mergeCells(op, m, g, steps);
    }
  }
  return out;
}

/** Adds a later run's cells of a group to the cells of the runs before it. */
function mergeCells(op: string, into: GroupCells, from: GroupCells, steps: number): void {
  for (let k = 0; k < steps; k++) {
    const n = from.count[k];
    if (n === 0) continue;
    if (into.count[k] === 0) {
      into.count[k] = n;
      into.value[k] = from.value[k];
      into.first[k] = from.first[k];
      continue;
    }
    into.count[k] += n;
    const v = into.value[k];
    const f = from.value[k];
    // accumulate's comparisons, with the later run's result as the next input.
    if (op === 'max' && (v < f || Number.isNaN(v))) into.value[k] = f;
    else if (op === 'min' && (v > f || Number.isNaN(v))) into.value[k] = f;
  }
}
