/**
 * test/bench/RESULTS.md keeps one section per benchmark area, so `npm run bench -- AREA --write`
 * replaces that area's table and leaves the others' figures (and the prose above them) alone.
 */
const SECTION = /^## area: (\S+)$/m;

export interface AreaTable {
  readonly area: string;
  /** "Measured <date> on <machine>." */
  readonly header: string;
  readonly table: string;
}

/** The file's prose (everything before the first area section) and its sections by area. */
export function parseResults(text: string): { preamble: string; sections: Map<string, string> } {
  const parts = text.split(/^(?=## area: )/m);
  const preamble = SECTION.test(parts[0]) ? '' : parts.shift()!;
  const sections = new Map<string, string>();
  for (const p of parts) sections.set(SECTION.exec(p)![1], p.trimEnd());
  return { preamble: preamble.trimEnd(), sections };
}

/** The file with `fresh` areas replaced or added, sections in `order` (unknown ones last). */
export function mergeResults(existing: string, fresh: readonly AreaTable[], order: readonly string[]): string {
  const { preamble, sections } = parseResults(existing);
  for (const t of fresh) sections.set(t.area, `## area: ${t.area}\n\n${t.header}\n\n${t.table}`);
  const rank = (a: string): number => (order.includes(a) ? order.indexOf(a) : order.length);
  const areas = [...sections.keys()].sort((a, b) => rank(a) - rank(b));
  return `${preamble || '# Benchmark results'}\n\n${areas.map((a) => sections.get(a)).join('\n\n')}\n`;
}
