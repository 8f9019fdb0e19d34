/**
 * The arrival instants still due for one group: a sorted set of event-time instants. Data mostly
 * arrives in time order, so inserts are appends; a replay may queue hours of instants, so taking
 * from the front moves a head index instead of shifting the array.
 */
export class ArrivalInstants {
  private items: number[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  /** The earliest instant, or undefined when none is due. */
  peek(): number | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  /** Adds `t` once (adding an instant already queued changes nothing). */
  add(t: number): void {
    const items = this.items;
    const last = items.length - 1;
    if (last < this.head || items[last]! < t) { items.push(t); return; }
    if (items[last] === t) return;
    let lo = this.head;
    let hi = last;
    while (lo < hi) { const mid = (lo + hi) >>> 1; if (items[mid]! < t) lo = mid + 1; else hi = mid; }
    if (items[lo] !== t) items.splice(lo, 0, t);
  }

  /** Removes every instant at or before `t`. */
  dropThrough(t: number): void {
    const items = this.items;
    while (this.head < items.length && items[this.head]! <= t) this.head++;
    if (this.head === items.length) { this.items = []; this.head = 0; }
    else if (this.head > 1024 && this.head * 2 > items.length) { this.items = items.slice(this.head); this.head = 0; }
  }

  /** The queued instants in order (state carried over a reload). */
  values(): number[] {
    return this.items.slice(this.head);
  }
}
