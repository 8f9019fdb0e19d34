import type { GroupCells } from './group-cells.js';

/**
 * A `count`/`group` group's rows that are present at one run of steps each (RowSource.presentSpan),
 * added at the run's two ends instead of at every step: the counts wait in a difference array
 * until `flush`. The group's `first` cells (the first row present at a step) stay exact while the
 * runs added so far cover one run of steps together, [u0, u1): a new row is first exactly at its
 * steps outside it. Once they would not (or a row is added step by step, `flush` first), rows
 * take the step-by-step way.
 */
export class CountRuns {
  private readonly diff: Float64Array;
  private u0 = 0;
  private u1 = 0;
  private pending = false;
  /** The runs added cover [u0, u1) together, and no row was added step by step. */
  private joined = true;

  constructor(private readonly cells: GroupCells, private readonly steps: number) {
    this.diff = new Float64Array(steps + 1);
  }

  /** Adds row r present at steps [k0, k1); false (nothing added) when the caller has to add it step by step. */
  add(r: number, k0: number, k1: number): boolean {
    if (!this.joined) return false;
    if (k0 >= k1) return true;
    const first = this.cells.first;
    if (this.u0 === this.u1) {
      for (let k = k0; k < k1; k++) first[k] = r;
      this.u0 = k0;
      this.u1 = k1;
    } else if (k0 <= this.u1 && k1 >= this.u0) {
      for (let k = k0; k < this.u0; k++) first[k] = r;
      for (let k = this.u1; k < k1; k++) first[k] = r;
      if (k0 < this.u0) this.u0 = k0;
      if (k1 > this.u1) this.u1 = k1;
    } else {
      // Apart from the steps covered so far: this row is first at all of its steps, and rows after
      // it take the step-by-step way.
      for (let k = k0; k < k1; k++) first[k] = r;
      this.joined = false;
    }
    this.diff[k0]++;
    this.diff[k1]--;
    this.pending = true;
    if (!this.joined) this.flush();
    return true;
  }

  /** Adds the waiting counts to the group's cells; rows after it take the step-by-step way. */
  flush(): void {
    this.joined = false;
    if (!this.pending) return;
    const { diff, steps } = this;
    const count = this.cells.count;
    let run = 0;
    for (let k = 0; k < steps; k++) {
      run += diff[k];
      if (run !== 0) count[k] += run;
    }
    diff.fill(0);
    this.pending = false;
  }
}
