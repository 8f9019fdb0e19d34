import { canonicalLabels, type Labels } from '../../schemas/labels.js';

/**
 * Canonical text of a block's or the head's label set, kept per labels object: those objects live
 * as long as their series, and every select over the same series would otherwise rebuild it.
 */
const canonicalKeys = new WeakMap<Labels, string>();

/** canonicalLabels(labels), computed once per labels object. */
export function canonicalKey(labels: Labels): string {
  let key = canonicalKeys.get(labels);
  if (key === undefined) {
    key = canonicalLabels(labels);
    canonicalKeys.set(labels, key);
  }
  return key;
}
