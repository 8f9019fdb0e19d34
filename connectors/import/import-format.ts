import type { ImportLineError } from './errors.js';

/**
 * Receives what a format reader found on one line of an import: a series and its samples, all
 * valid. A line's samples are handed over only once the whole line has parsed, so a bad line
 * contributes nothing. `line` is 1-based in the request body. `stale` lists the indices of
 * staleness markers among the values, ascending (only formats that carry them have any). The
 * timestamps and values hold until the callback returns (a reader may reuse them for the next).
 */
export type SeriesCallback = (labels: Record<string, string>, timestamps: ArrayLike<number>, values: ArrayLike<number>, line: number, stale?: readonly number[]) => void;

/** Receives each line that could not be read, with why. */
export type BadLineCallback = (err: ImportLineError) => void;

/** One import format: reads a whole (decoded) request body, line by line, and carries on past bad lines. */
export interface ImportFormat {
  /** Returns the number of lines that carried data (blank and comment lines not counted). */
  read(text: string, onSeries: SeriesCallback, onBad: BadLineCallback): number;
}

/** Calls `each(line, lineNo)` for every line of `text` ('\n' or '\r\n' ends a line). */
export function forEachLine(text: string, each: (line: string, lineNo: number) => void): void {
  let lineNo = 0;
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNo++;
    const line = end > start && text.charCodeAt(end - 1) === 0x0d ? text.slice(start, end - 1) : text.slice(start, end);
    start = end + 1;
    each(line, lineNo);
  }
}
