import { setLabel, type Labels } from '../../../schemas/labels.js';

/**
 * Label sets as they cross to an evaluation worker: each distinct name and value once in a
 * string table (`LabelStrings`), each set as (name, value) pairs of indexes into it. Cloning
 * 20,000 label objects cost more than evaluating some queries over them; a few hundred distinct
 * strings and two integer arrays clone as a copy.
 */
export interface PackedLabelSets {
  /** Name and value indexes into the string table, pair after pair. */
  readonly refs: Uint32Array;
  /** Where each set's pairs end in `refs` (set i: `ends[i - 1]` or 0 up to `ends[i]`). */
  readonly ends: Uint32Array;
}

/** The string table that label sets are packed against; one per job, shared by its selections. */
export class LabelStrings {
  readonly strings: string[] = [];
  private readonly index = new Map<string, number>();

  private of(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) this.index.set(s, (i = this.strings.push(s) - 1));
    return i;
  }

  /** `sets` packed in their order, names in each set's own order (which unpacking keeps). */
  pack(sets: readonly Labels[]): PackedLabelSets {
    let refs: Uint32Array = new Uint32Array(Math.max(16, sets.length * 16));
    const ends = new Uint32Array(sets.length);
    let at = 0;
    for (let i = 0; i < sets.length; i++) {
      const l = sets[i];
      // for-in, not Object.keys and l[name]: a label object's hidden class is its family's set of
      // names, and code specialized to the first few families deoptimized ("wrong map") at each
      // new one, recompiling this loop in warm queries. for-in reads by the object's own map.
      for (const name in l) {
        if (at + 2 > refs.length) refs = grown(refs);
        refs[at++] = this.of(name);
        refs[at++] = this.of(l[name]);
      }
      ends[i] = at;
    }
    return { refs: refs.slice(0, at), ends };
  }
}

/** `refs` copied into one twice its size. */
function grown(refs: Uint32Array): Uint32Array {
  const out = new Uint32Array(refs.length * 2);
  out.set(refs);
  return out;
}

/** The label sets again, as new objects whose names are in the order they were packed in. */
export function unpackLabelSets(strings: readonly string[], packed: PackedLabelSets): Labels[] {
  const { refs, ends } = packed;
  const out = new Array<Labels>(ends.length);
  let at = 0;
  for (let i = 0; i < ends.length; i++) {
    const l: Record<string, string> = {};
    for (const end = ends[i]; at < end; at += 2) setLabel(l, strings[refs[at]], strings[refs[at + 1]]);
    out[i] = l;
  }
  return out;
}
