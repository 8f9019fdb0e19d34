/**
 * Whether `t` is a whole number of milliseconds a double holds exactly (what Number.isSafeInteger
 * accepts), by arithmetic: V8 passes Number.isSafeInteger's argument boxed, so on a double such as a
 * timestamp every call made a new heap number, one per sample on the head's append paths.
 */
export function isSafeIntegerTime(t: number): boolean {
  return Math.floor(t) === t && Math.abs(t) <= Number.MAX_SAFE_INTEGER;
}
