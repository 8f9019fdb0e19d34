import type { Labels } from '../../../schemas/labels.js';
import type { Vector } from './types.js';

/**
 * A node's values at every step of a range query, computed series-major before the steps run
 * (see series-major.ts). Cell (row r, step k) is `values[r * rowStride + k * stepStride]`, and
 * `present` at the same index says whether the row has a sample at that step. One class, every
 * field set in one order: built as literals in four places, one of them a spread, it had
 * several shapes for the code that reads it to meet.
 */
export class StepMatrix {
  readonly rowStride: number;
  readonly stepStride = 1;

  /** Rows of `steps` cells each. */
  constructor(
    readonly metrics: readonly Labels[],
    readonly dropName: readonly boolean[],
    readonly values: Float64Array,
    readonly present: Uint8Array,
    steps: number,
    /** Samples the step-by-step evaluation would have counted at each step (max-samples limit). */
    readonly samples: Float64Array,
    /**
     * The rows of step k in the order the step-by-step evaluation emits them (an operator above
     * may depend on it, e.g. the summation order); null: every present row in ascending order.
     */
    readonly order: ((k: number) => ArrayLike<number>) | null,
  ) {
    this.rowStride = steps;
  }
}

/** The instant vector of step `k` (evaluation time `t`), as the step-by-step evaluation gives it. */
export function stepVector(m: StepMatrix, k: number, t: number): Vector {
  const out: Vector = [];
  const { values, present, rowStride, stepStride, metrics, dropName } = m;
  const col = k * stepStride;
  if (m.order !== null) {
    const rows = m.order(k);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      out.push({ metric: metrics[r], f: values[r * rowStride + col], t, dropName: dropName[r] });
    }
    return out;
  }
  for (let r = 0; r < metrics.length; r++) {
    const i = r * rowStride + col;
    if (present[i] === 1) out.push({ metric: metrics[r], f: values[i], t, dropName: dropName[r] });
  }
  return out;
}
