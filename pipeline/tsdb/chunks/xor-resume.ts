/**
 * Resume points of an XOR chunk being appended to: every RESUME_EVERY samples the appender keeps
 * the decoder's state before that sample, so a read of the newest minutes starts there instead of
 * decoding the chunk from its first sample (a dashboard refresh that adds a step reads the last
 * 5-10 minutes of every series, a sixth of a full head chunk at a 15 s interval).
 *
 * A point is RESUME_SIZE numbers of an array, points back to back:
 * [index, bit, t, tDelta, hi, lo, leading, trailing]: sample `index` starts at bit `bit` of the
 * chunk (its count header included); `t`, `tDelta` and the value words `hi`/`lo` are sample
 * `index - 1`'s; `leading`/`trailing` the value window in use (0/0 before the first one).
 * A plain array, not a Float64Array: an appender keeps one for as long as its series lives; a head
 * of 20,000 series grew by 5.2 MB with arrays, by 7.7 MB with typed arrays (their buffers'
 * bookkeeping).
 */
export const RESUME_SIZE = 8;
/** Samples between points (the first is at this index: the first two samples are encoded apart). */
export const RESUME_EVERY = 32;
/** Points an appender keeps at most: enough for a head chunk (SAMPLES_PER_CHUNK = 120). */
export const RESUME_POINTS = 3;

/**
 * The point `at` (an offset in `points`, a multiple of RESUME_SIZE) of the `count` points from
 * which a read of samples at or after `mint` can start, the newest whose previous sample is
 * before `mint` (the samples before it are all older), or -1 when there is none.
 */
export function resumePointBefore(points: readonly number[] | null, count: number, mint: number): number {
  if (points === null) return -1;
  let found = -1;
  for (let at = 0; at < count * RESUME_SIZE; at += RESUME_SIZE) {
    if (points[at + 2] >= mint) break;
    found = at;
  }
  return found;
}
