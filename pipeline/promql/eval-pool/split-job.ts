import type { Labels } from '../../../schemas/labels.js';
import { groupingOf } from '../engine/aggregate.js';
import type { SelectedSeries } from '../engine/eval-context.js';
import { evalJob, type EvalJob } from '../engine/eval-job.js';
import { MERGEABLE_AGGREGATIONS, type GroupCells, type GroupParts } from '../engine/group-cells.js';
import type { OperandPart, PartRows, RowGroups } from '../engine/operand-rows.js';
import type { RowMatrix } from '../engine/row-matrix.js';
import { rowSelector } from '../engine/row-source.js';
import { rowAggregation } from '../engine/series-major.js';
import type { SplitOperand } from '../engine/split-operands.js';
import type { Expr, VectorSelector } from '../parser/ast.js';
import { sharedMemory } from '../../tsdb/shared-memory/index.js';

/** A job split for `parts` threads: each part's job (its share of every operand's series) and where its rows go. */
export interface SplitJob {
  readonly parts: readonly { readonly job: EvalJob; readonly operands: readonly OperandPart[] }[];
}

function selectorOf(operand: Expr): VectorSelector {
  const vs = rowSelector(operand);
  if (vs === null) throw new Error(`not a split operand: ${operand.type}`);
  return vs;
}

/** Series looked at to tell whether an aggregation has few groups. */
const GROUP_SAMPLE = 512;

/**
 * Whether each part of a split evaluation aggregates its rows itself (the groups merge exactly,
 * and are few: a group's cells cost about four rows' to hand over twice, so `max without (job)
 * (x)`, a group per series, writes rows); else the parts write rows. The groups are counted among
 * GROUP_SAMPLE series spread over the selection.
 */
export function aggregatedByParts(o: SplitOperand, job: EvalJob): boolean {
  if (rowAggregation(o.aggregation) !== 'aggregate' || !MERGEABLE_AGGREGATIONS.has(o.aggregation.op)) return false;
  const series = job.selections.get(selectorOf(o.operand)) ?? [];
  const n = Math.min(series.length, GROUP_SAMPLE);
  const gc = { bySeries: new Map(), byKey: new Map() };
  for (let i = 0; i < n; i++) groupingOf(o.aggregation, series[Math.floor((i * series.length) / n)].labels, gc);
  return gc.byKey.size * 8 <= n;
}

/**
 * Cuts each operand's series (split-operands.ts) into `parts` contiguous runs of about equal
 * samples, in selection order. Each part computes the groups of an aggregation `byParts`
 * (aggregatedByParts) over its rows; other operands get one row matrix in shared memory that
 * every part writes its rows into.
 */
export function splitJob(job: EvalJob, operands: readonly SplitOperand[], byParts: readonly boolean[], parts: number): SplitJob {
  const steps = Math.floor((job.end - job.start) / job.interval) + 1;
  const cuts = operands.map(({ operand }) => cutBySamples(job.selections.get(selectorOf(operand)) ?? [], parts));
  const matrices = operands.map((o, i) => {
    if (byParts[i]) return { values: new Float64Array(0), present: new Uint8Array(0) };
    const rows = (job.selections.get(selectorOf(o.operand)) ?? []).length;
    return {
      values: new Float64Array(sharedMemory().allocate(rows * steps * 8)),
      present: new Uint8Array(sharedMemory().allocate(rows * steps)),
    };
  });
  return {
    parts: Array.from({ length: parts }, (_, p) => {
      const selections = new Map<VectorSelector, SelectedSeries[]>();
      const partOperands = operands.map((o, i) => {
        const vs = selectorOf(o.operand);
        selections.set(vs, (job.selections.get(vs) ?? []).slice(cuts[i][p], cuts[i][p + 1]));
        return { operand: o.operand, aggregation: o.aggregation, grouped: byParts[i], at: cuts[i][p], ...matrices[i] };
      });
      // The selection's warnings are the whole job's (joinedJob keeps them).
      return { job: evalJob({ ...job, selections, infoSeries: new Map(), warnings: [] }), operands: partOperands };
    }),
  };
}

/**
 * As the rows' labels for their aggregation, each row's group labels, one object per group: a
 * grouping of group labels is those labels again, and the finishing thread is handed a few
 * label sets instead of every series' (null unless every part gave its rows' groups).
 */
function groupLabelsOfRows(parts: readonly (RowGroups | null)[]): Labels[] | null {
  const byKey = new Map<string, Labels>();
  const out: Labels[] = [];
  for (const g of parts) {
    if (g === null) return null;
    const labels = g.keys.map((key, i) => {
      let l = byKey.get(key);
      if (l === undefined) byKey.set(key, (l = g.labels[i]));
      return l;
    });
    for (let r = 0; r < g.of.length; r++) out.push(labels[g.of[r]]);
  }
  return out;
}

/**
 * Row numbers where each part starts, and the row count last: parts of about equal samples, a row
 * counting one more (presence summaries hold none, and a selection of them went whole to one part).
 */
function cutBySamples(series: readonly SelectedSeries[], parts: number): number[] {
  let total = 0;
  for (const s of series) total += s.ts.length + 1;
  const cuts = [0];
  let seen = 0;
  let r = 0;
  for (let p = 1; p < parts; p++) {
    const goal = (total * p) / parts;
    while (r < series.length && seen + series[r].ts.length + 1 <= goal) seen += series[r++].ts.length + 1;
    cuts.push(r);
  }
  cuts.push(series.length);
  return cuts;
}

/**
 * The job that finishes a split one: every operand's rows or its aggregation's groups as
 * computed by the parts (their annotations in part order, so in row order, as one thread would
 * add them), its selection emptied since nothing reads it any more: the series' labels are not
 * handed over again.
 */
export function joinedJob(job: EvalJob, split: SplitJob, filled: readonly (readonly PartRows[])[]): EvalJob {
  const selections = new Map(job.selections);
  const rowMatrices = new Map<Expr, RowMatrix>();
  const groupParts = new Map<Expr, GroupParts>();
  const first = split.parts[0].operands;
  first.forEach(({ operand, aggregation, grouped, values, present }, i) => {
    const vs = selectorOf(operand);
    const dropName: boolean[] = [];
    const warnings = new Set<string>();
    const infos = new Set<string>();
    const groups: GroupCells[][] = [];
    let samples: Float64Array | null = null;
    for (const part of filled) {
      const rows = part[i];
      if (rows.groups !== null) groups.push(rows.groups);
      for (const d of rows.dropName) dropName.push(d);
      for (const w of rows.warnings) warnings.add(w);
      for (const n of rows.infos) infos.add(n);
      if (samples === null) samples = Float64Array.from(rows.samples);
      else for (let k = 0; k < samples.length; k++) samples[k] += rows.samples[k];
    }
    selections.set(vs, []);
    if (grouped) {
      groupParts.set(aggregation, { parts: groups, samples: samples ?? new Float64Array(0), warnings: [...warnings], infos: [...infos] });
      return;
    }
    const metrics = groupLabelsOfRows(filled.map((part) => part[i].rowGroups)) ?? (job.selections.get(vs) ?? []).map((s) => s.labels);
    rowMatrices.set(operand, { metrics, dropName, samples: samples ?? new Float64Array(0), values, present, warnings: [...warnings], infos: [...infos] });
  });
  return evalJob({ ...job, selections, rowMatrices, groupParts });
}
