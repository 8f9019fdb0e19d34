import type { SelectedSeries } from '../engine/eval-context.js';
import type { EvalJob } from '../engine/eval-job.js';
import type { OperandPart, PartRows } from '../engine/operand-rows.js';
import type { RowMatrix } from '../engine/row-matrix.js';
import { rowSelector } from '../engine/row-source.js';
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

/**
 * Cuts each operand's series (split-operands.ts) into `parts` contiguous runs of about equal
 * samples, in selection order, and gives each operand one row matrix in shared memory that
 * every part writes its rows into.
 */
export function splitJob(job: EvalJob, operands: readonly Expr[], parts: number): SplitJob {
  const steps = Math.floor((job.end - job.start) / job.interval) + 1;
  const cuts = operands.map((o) => cutBySamples(job.selections.get(selectorOf(o)) ?? [], parts));
  const matrices = operands.map((o) => {
    const rows = (job.selections.get(selectorOf(o)) ?? []).length;
    return {
      values: new Float64Array(sharedMemory().allocate(rows * steps * 8)),
      present: new Uint8Array(sharedMemory().allocate(rows * steps)),
    };
  });
  return {
    parts: Array.from({ length: parts }, (_, p) => {
      const selections = new Map<VectorSelector, SelectedSeries[]>();
      const partOperands = operands.map((o, i) => {
        const vs = selectorOf(o);
        selections.set(vs, (job.selections.get(vs) ?? []).slice(cuts[i][p], cuts[i][p + 1]));
        return { operand: o, at: cuts[i][p], ...matrices[i] };
      });
      // The selection's warnings are the whole job's (joinedJob keeps them).
      return { job: { ...job, selections, infoSeries: new Map(), warnings: [] }, operands: partOperands };
    }),
  };
}

/** Row numbers where each part starts, and the row count last: parts of about equal samples. */
function cutBySamples(series: readonly SelectedSeries[], parts: number): number[] {
  let total = 0;
  for (const s of series) total += s.ts.length;
  const cuts = [0];
  let seen = 0;
  let r = 0;
  for (let p = 1; p < parts; p++) {
    const goal = (total * p) / parts;
    while (r < series.length && seen + series[r].ts.length <= goal) seen += series[r++].ts.length;
    cuts.push(r);
  }
  cuts.push(series.length);
  return cuts;
}

/**
 * The job that finishes a split one: every operand's rows as computed by the parts (their
 * annotations in part order, so in row order, as one thread would add them), its selection
 * emptied since nothing reads it any more.
 */
export function joinedJob(job: EvalJob, split: SplitJob, filled: readonly (readonly PartRows[])[]): EvalJob {
  const selections = new Map(job.selections);
  const rowMatrices = new Map<Expr, RowMatrix>();
  const first = split.parts[0].operands;
  first.forEach(({ operand, values, present }, i) => {
    const vs = selectorOf(operand);
    const dropName: boolean[] = [];
    const warnings = new Set<string>();
    const infos = new Set<string>();
    let samples: Float64Array | null = null;
    for (const part of filled) {
      const rows = part[i];
      for (const d of rows.dropName) dropName.push(d);
      for (const w of rows.warnings) warnings.add(w);
      for (const n of rows.infos) infos.add(n);
      if (samples === null) samples = Float64Array.from(rows.samples);
      else for (let k = 0; k < samples.length; k++) samples[k] += rows.samples[k];
    }
    const metrics = (job.selections.get(vs) ?? []).map((s) => s.labels);
    rowMatrices.set(operand, { metrics, dropName, samples: samples ?? new Float64Array(0), values, present, warnings: [...warnings], infos: [...infos] });
    selections.set(vs, []);
  });
  return { ...job, selections, rowMatrices };
}
