import type { Labels } from '../../schemas/labels.js';
import { DiscoveryError } from './errors.js';

/** A group of targets from one source (Prometheus' targetgroup.Group). */
export interface TargetGroup {
  /** Unique within its discoverer: a later group with the same source replaces it. */
  readonly source: string;
  /** Each target's own labels (at least `__address__`). */
  readonly targets: readonly Labels[];
  /** Labels shared by every target of the group (a target's own label wins). */
  readonly labels: Labels;
}

/** A service discovery mechanism of one scrape config. */
export interface Discoverer {
  /** Begins discovering; `onUpdate` receives the complete current list of groups each time. */
  start(onUpdate: (groups: readonly TargetGroup[]) => void): void;
  /** Idempotent. */
  stop(): void;
}

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Validates one decoded `[{targets: [...], labels: {...}}]` document (file_sd and http_sd share
 * the format) into groups with `source` prefixed by `sourcePrefix` and `extra` labels added.
 */
export function parseTargetGroups(doc: unknown, sourcePrefix: string, extra: Labels): TargetGroup[] {
  if (doc === null || doc === undefined) return [];
  if (!Array.isArray(doc)) throw new DiscoveryError(sourcePrefix, 'expected a list of target groups');
  return doc.map((g: unknown, i): TargetGroup => {
    if (typeof g !== 'object' || g === null || Array.isArray(g)) throw new DiscoveryError(sourcePrefix, `group ${i}: expected an object`);
    const { targets, labels, ...rest } = g as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) throw new DiscoveryError(sourcePrefix, `group ${i}: unknown field ${JSON.stringify(unknown[0])}`);
    if (targets !== undefined && (!Array.isArray(targets) || targets.some((t) => typeof t !== 'string'))) {
      throw new DiscoveryError(sourcePrefix, `group ${i}: targets must be a list of strings`);
    }
    const groupLabels: Record<string, string> = { ...extra };
    if (labels !== undefined && labels !== null) {
      if (typeof labels !== 'object' || Array.isArray(labels)) throw new DiscoveryError(sourcePrefix, `group ${i}: labels must be a map`);
      for (const [k, v] of Object.entries(labels)) {
        if (!LABEL_NAME_RE.test(k)) throw new DiscoveryError(sourcePrefix, `group ${i}: ${JSON.stringify(k)} is not a valid label name`);
        if (typeof v !== 'string') throw new DiscoveryError(sourcePrefix, `group ${i}: label ${k} must be a string`);
        groupLabels[k] = v;
      }
    }
    const list = (targets as string[] | undefined) ?? [];
    for (const t of list) if (t.includes('/')) throw new DiscoveryError(sourcePrefix, `group ${i}: ${JSON.stringify(t)} is not a valid hostname`);
    return { source: `${sourcePrefix}:${i}`, targets: list.map((t) => ({ __address__: t })), labels: groupLabels };
  });
}

/** `static_configs`: fixed groups, delivered once. */
export class StaticDiscoverer implements Discoverer {
  constructor(private readonly groups: readonly TargetGroup[]) {}
  start(onUpdate: (groups: readonly TargetGroup[]) => void): void {
    onUpdate(this.groups);
  }
  stop(): void {}
}
