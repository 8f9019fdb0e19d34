/**
 * The canonical key of a label set, remembered per label object. Label objects are immutable once
 * built (schemas/labels.ts), and a rule sees the same ones again and again: a replay's range answer
 * hands over one object per series for every instant, and the rules keep handing on the objects
 * they built before. Keying them once per object instead of once per sample is what made a replay's
 * evaluation cheap.
 */
import { canonicalLabels, type Labels } from '../../../schemas/labels.js';

const keys = new WeakMap<Labels, string>();

export function labelKey(labels: Labels): string {
  let k = keys.get(labels);
  if (k === undefined) keys.set(labels, (k = canonicalLabels(labels)));
  return k;
}
