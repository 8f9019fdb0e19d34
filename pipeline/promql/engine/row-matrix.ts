import type { Labels } from '../../../schemas/labels.js';

/**
 * An aggregation operand's rows (series) at every step of a range query, computed ahead of its
 * evaluation: evaluation threads that split one query fill parts of it side by side
 * (operand-rows.ts), and the aggregation then reads these rows where it would have computed them
 * (rowSource), so its arithmetic and order are those of one thread. Cell (row r, step k) is at
 * `r * steps + k` of `values` and `present`.
 */
export interface RowMatrix {
  /** The rows' labels; for an aggregation other than topk/bottomk, each row's group labels (all its grouping reads). */
  readonly metrics: readonly Labels[];
  readonly dropName: readonly boolean[];
  /** Per step, the samples step-by-step evaluation would count for these rows. */
  readonly samples: Float64Array;
  readonly values: Float64Array;
  readonly present: Uint8Array;
  /** Annotations computing the rows gave, in the order computing them on one thread gives them. */
  readonly warnings: readonly string[];
  readonly infos: readonly string[];
}
