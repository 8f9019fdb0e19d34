/**
 * Interns label names and values so every series holding `job="node"` points at one string.
 * On disk (block index) symbols are a sorted array and referenced by position.
 */
export class SymbolTable {
  private readonly map = new Map<string, string>();

  intern(s: string): string {
    const got = this.map.get(s);
    if (got !== undefined) return got;
    this.map.set(s, s);
    return s;
  }

  get size(): number {
    return this.map.size;
  }

  /** All symbols, byte-wise sorted (the on-disk order). */
  sorted(): string[] {
    return [...this.map.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
