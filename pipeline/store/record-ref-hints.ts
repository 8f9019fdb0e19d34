/** Record layouts remembered at most; past it the memory starts over (a layout is relearned in one record). */
const MAX_LAYOUTS = 1024;
/** Refs remembered at most, over all layouts. */
const MAX_REFS = 4_000_000;

/**
 * The series refs of the records a shard appended, by the ref of their first series. A producer
 * sends a partition's series in the same order scrape after scrape, so the ref at each position
 * of the last record that started with the same series is very likely the ref of the series at
 * that position now. The head verifies every hint against the stored labels (`refHinted`), so a
 * wrong or stale hint only costs the normal lookup.
 */
export class RecordRefHints {
  private readonly byFirst = new Map<number, number[]>();
  private refs = 0;

  /** The hints of records starting with `firstRef`, to read and update in place. */
  forRecord(firstRef: number): number[] {
    let hints = this.byFirst.get(firstRef);
    if (hints === undefined) {
      if (this.byFirst.size >= MAX_LAYOUTS || this.refs >= MAX_REFS) this.clear();
      hints = [];
      this.byFirst.set(firstRef, hints);
    }
    return hints;
  }

  /** Counts refs added by a caller that grew a hint list (keeps the memory bound honest). */
  grew(n: number): void {
    this.refs += n;
  }

  clear(): void {
    this.byFirst.clear();
    this.refs = 0;
  }
}
