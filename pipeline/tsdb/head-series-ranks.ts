import { canonicalKey } from './canonical-key.js';
import type { Head, MemSeries } from './head/index.js';

/**
 * Each head series' place among the head's series in canonical label order (canonicalKey
 * strings, sorted by the default order), kept per head across selects. Sorting a select's keys
 * compared their long common prefixes (`{__name__="node_cpu_seconds_total",cpu="0",...`) over
 * and over: most of the planning time of a select of thousands of series. Recomputed when the
 * head's series are not the ones ranked any more (counts differ, or a series has no rank).
 */
const ranks = new WeakMap<Head, Ranking>();

interface Ranking {
  readonly rankOf: Map<MemSeries, number>;
  /** The head's series count when ranked. */
  readonly series: number;
}

/** Items a typed-array sort orders by rank: rank * ITEMS + index, exact below 2^53. */
const ITEMS = 2 ** 22;

/**
 * `items` in canonical label order of their head series (`seriesOf`), or null when one has no
 * head series, there are too many to order this way, or the ranks are out of date and `items`
 * are too few of the head's series to be worth ranking them all again: the caller sorts their
 * keys then.
 */
export function inHeadOrder<T>(head: Head, items: readonly T[], seriesOf: (item: T) => MemSeries | null): T[] | null {
  const n = items.length;
  if (n >= ITEMS) return null;
  const series = new Array<MemSeries>(n);
  for (let i = 0; i < n; i++) {
    const s = seriesOf(items[i]);
    if (s === null) return null;
    series[i] = s;
  }
  // Ranking every series costs about what sorting as many keys does: worth it for a select of a
  // good part of them, as the ranks serve every later select until the series change.
  const worthRanking = n * 8 >= head.numSeries;
  const known = ranks.get(head);
  // A ranking still orders the series it holds after others came or went; one of another count
  // is made again by a select worth it, so that it does not hold series that went for long.
  let order = known !== undefined && (known.series === head.numSeries || !worthRanking) ? rankOrder(known, series) : null;
  // Series made since the ranking.
  if (order === null && worthRanking) order = rankOrder(ranked(head), series);
  if (order === null) return null;
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) out[i] = items[order[i] % ITEMS];
  return out;
}

/**
 * Ranks the head's series now, unless the ranks it holds are of as many series as it has: what
 * the first large select after a start otherwise did before answering (a tenth of a second or
 * more for 20,000 series, on the thread that answers).
 */
export function rankHeadSeries(head: Head): void {
  if (ranks.get(head)?.series !== head.numSeries) ranked(head);
}

/** rank * ITEMS + index of each series, ascending; null when one has no rank. */
function rankOrder(ranking: Ranking, series: readonly MemSeries[]): Float64Array | null {
  const order = new Float64Array(series.length);
  for (let i = 0; i < series.length; i++) {
    const r = ranking.rankOf.get(series[i]);
    if (r === undefined) return null;
    order[i] = r * ITEMS + i;
  }
  return order.sort();
}

function ranked(head: Head): Ranking {
  const byKey = new Map<string, MemSeries>();
  head.forEachSeries((s) => byKey.set(canonicalKey(s.labels), s));
  const rankOf = new Map<MemSeries, number>();
  let r = 0;
  for (const key of [...byKey.keys()].sort()) rankOf.set(byKey.get(key)!, r++);
  const ranking = { rankOf, series: head.numSeries };
  ranks.set(head, ranking);
  return ranking;
}
