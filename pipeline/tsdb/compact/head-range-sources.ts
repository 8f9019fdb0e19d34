import type { MemSeries } from '../head/index.js';

/** A series' in-order head chunks in a range: indices of closed chunks, and whether the open chunk is one. */
export interface HeadRangeSources {
  readonly closed: number[];
  readonly open: boolean;
}

/**
 * The series' in-order chunks in [mint, maxt) when they hold all its samples there and can be
 * read whole: no chunk straddles the range, and there are no out-of-order samples, histograms or
 * start timestamps (those are merged from the series' other parts). Null otherwise.
 */
export function headRangeSources(s: MemSeries, mint: number, maxt: number): HeadRangeSources | null {
  if (s.hasOutOfOrder || s.histT !== null || s.startT !== null) return null;
  const app = s.app;
  const open = app !== null && app.count > 0 && !(app.maxT < mint || app.minT >= maxt);
  if (open && (app.minT < mint || app.maxT >= maxt)) return null;
  const closed: number[] = [];
  for (let i = 0; i < s.chunkCount; i++) {
    const minT = s.chunkMinT(i);
    const maxT = s.chunkMaxT(i);
    if (maxT < mint || minT >= maxt) continue;
    if (minT < mint || maxT >= maxt) return null;
    closed.push(i);
  }
  return { closed, open };
}

/**
 * Whether the sources are at most one chunk: copied as it is at a cut (already in its smaller
 * encoding, re-encoding it would give the same chunk), so there is nothing to prepare for it.
 */
export function isLoneChunk(sources: HeadRangeSources): boolean {
  return sources.closed.length + (sources.open ? 1 : 0) <= 1;
}
