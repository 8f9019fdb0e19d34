import type { SelectHints } from './querier.js';

/**
 * `hints` with `changes` made (a field given as undefined is cleared), as an object with every
 * SelectHints field, undefined where not given: so the hints of every select share one hidden
 * class. A layer that added a hint by spreading (`{ ...hints, parts }`) gave each result a hidden
 * class that V8 keeps only while an object of it lives: collected between queries and made anew
 * in each, it made the selects optimized for the last one throw their code away ("wrong map")
 * and compile it again, query after query.
 */
export function selectHints(hints: SelectHints, changes: Partial<SelectHints> = NO_CHANGES): SelectHints {
  // Every field named (a field added to SelectHints and not here fails to compile, not to carry over).
  const all: { [K in SelectHintName]: SelectHints[K] } = {
    start: changes.start ?? hints.start,
    end: changes.end ?? hints.end,
    labelsOnly: changed(hints, changes, 'labelsOnly'),
    timestampsOnly: changed(hints, changes, 'timestampsOnly'),
    presenceLookback: changed(hints, changes, 'presenceLookback'),
    rollup: changed(hints, changes, 'rollup'),
    budget: changed(hints, changes, 'budget'),
    slabs: changed(hints, changes, 'slabs'),
    plans: changed(hints, changes, 'plans'),
    parts: changed(hints, changes, 'parts'),
  };
  return all;
}

/** The hints' names, as a union of its own: a mapped type over it requires every name. */
type SelectHintName = keyof SelectHints;

const NO_CHANGES: Partial<SelectHints> = {};

function changed<K extends keyof SelectHints>(hints: SelectHints, changes: Partial<SelectHints>, name: K): SelectHints[K] {
  return Object.hasOwn(changes, name) ? (changes[name] as SelectHints[K]) : hints[name];
}
