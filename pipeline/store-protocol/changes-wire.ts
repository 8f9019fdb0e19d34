/**
 * Result-cache validation between the query layer and the stores (`POST /api/v1/store/changes`):
 * for each cached piece, "has a record applied since these offsets touched what the piece
 * selected?", answered per partition from the stores' change logs; the answer also carries the
 * offsets each shard has applied now (what a piece evaluated now is valid as of).
 */
import type { LabelMatcher } from '../tsdb/index.js';

export interface PartitionPosition {
  /** The topic (samples, or the aggregates of recording rules: a store reads both). */
  readonly topic: string;
  readonly partition: number;
  /** Next offset to apply (everything before it is applied). */
  readonly offset: number;
}

export interface ChangeCheck {
  /** The positions the piece was evaluated at. */
  readonly since: readonly PartitionPosition[];
  /** What the piece's evaluation selected. */
  readonly selections: readonly { readonly matchers: readonly LabelMatcher[]; readonly start: number; readonly end: number }[];
}

export interface ChangesRequest {
  readonly checks: readonly ChangeCheck[];
}

export interface ChangesAnswer {
  /** Positions of the shards held here, now. */
  readonly applied: readonly PartitionPosition[];
  /** Per check: whether, on a partition held here, something it selected changed, or that cannot be told. */
  readonly changed: readonly boolean[];
  /**
   * Per check, where `changed`: the oldest timestamp (ms) within its selections that a change may
   * have touched, null when that cannot be told. Absent from stores that predate it (read: null).
   */
  readonly changedFrom?: readonly (number | null)[];
}

/** Whoever can answer change checks: a store worker, a remote store. */
export interface ChangeSource {
  changes(req: ChangesRequest): Promise<ChangesAnswer>;
}

/**
 * The answers of several sources for the same checks as one: a check changed where any says so,
 * from the oldest time any names (null where one that changed cannot tell).
 */
export function joinChanges(answers: readonly ChangesAnswer[], checks: number): Pick<ChangesAnswer, 'changed' | 'changedFrom'> {
  const changed: boolean[] = [];
  const changedFrom: (number | null)[] = [];
  for (let i = 0; i < checks; i++) {
    let any = false;
    let from: number | null = Infinity;
    for (const a of answers) {
      if (!a.changed[i]) continue;
      any = true;
      const t = a.changedFrom?.[i] ?? null;
      from = from === null || t === null ? null : Math.min(from, t);
    }
    changed.push(any);
    changedFrom.push(any ? from : null);
  }
  return { changed, changedFrom };
}

const MATCH_TYPES = new Set(['=', '!=', '=~', '!~']);
const isPosition = (x: unknown): boolean => {
  const p = x as Record<string, unknown> | null;
  return p !== null && typeof p === 'object' && typeof p.topic === 'string' && Number.isSafeInteger(p.partition) && Number.isSafeInteger(p.offset);
};

/** Validates a request body; returns the reason it is not one. */
export function parseChangesRequest(body: unknown): ChangesRequest | string {
  const b = body as { checks?: unknown } | null;
  if (b === null || typeof b !== 'object' || !Array.isArray(b.checks)) return 'expected {checks: [...]}';
  for (const [i, c] of (b.checks as unknown[]).entries()) {
    const x = c as { since?: unknown; selections?: unknown } | null;
    if (x === null || typeof x !== 'object' || !Array.isArray(x.since) || !x.since.every(isPosition)) return `checks[${i}].since: expected [{partition, offset}]`;
    if (!Array.isArray(x.selections)) return `checks[${i}].selections: expected an array`;
    for (const s of x.selections as unknown[]) {
      const y = s as { matchers?: unknown; start?: unknown; end?: unknown } | null;
      if (y === null || typeof y !== 'object' || typeof y.start !== 'number' || typeof y.end !== 'number' || !Array.isArray(y.matchers)) {
        return `checks[${i}].selections: expected {matchers, start, end}`;
      }
      for (const m of y.matchers as unknown[]) {
        const z = m as Partial<LabelMatcher> | null;
        if (z === null || typeof z !== 'object' || !MATCH_TYPES.has(z.type as string) || typeof z.name !== 'string' || typeof z.value !== 'string') {
          return `checks[${i}].selections: bad matcher`;
        }
      }
    }
  }
  return b as ChangesRequest;
}

/** Validates an answer; returns the reason it is not one. */
export function parseChangesAnswer(data: unknown): ChangesAnswer | string {
  const d = data as { applied?: unknown; changed?: unknown } | null;
  if (d === null || typeof d !== 'object' || !Array.isArray(d.applied) || !d.applied.every(isPosition)) return 'expected {applied: [{partition, offset}], ...}';
  if (!Array.isArray(d.changed) || !d.changed.every((c) => typeof c === 'boolean')) return 'expected {changed: [boolean...]}';
  const from = (d as { changedFrom?: unknown }).changedFrom;
  if (from !== undefined && (!Array.isArray(from) || from.length !== d.changed.length || !from.every((t) => t === null || Number.isFinite(t)))) {
    return 'expected {changedFrom: [number or null, one per check]}';
  }
  return d as ChangesAnswer;
}
