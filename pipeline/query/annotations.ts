/** Prometheus' API sends at most this many warnings, and as many infos, per answer. */
export const MAX_ANNOTATIONS = 10;

/**
 * Caps one kind of annotation as Prometheus' API does (`AsStrings(query, 10, 10)`): the first
 * ten, then `N more warning annotations omitted` (or `info`) for the rest.
 */
export function capAnnotations(list: readonly string[], kind: 'warning' | 'info'): string[] {
  if (list.length <= MAX_ANNOTATIONS) return [...list];
  return [...list.slice(0, MAX_ANNOTATIONS), `${list.length - MAX_ANNOTATIONS} more ${kind} annotations omitted`];
}
