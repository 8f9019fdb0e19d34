import type { IncomingMessage } from 'node:http';
import { decodeWriteTokens, WRITE_TOKEN_HEADER, WriteTokenError } from '../../schemas/write-token.js';
import type { AppliedOffsetsWaiter, ChangeSource } from '../store-protocol/index.js';
import { toApiError, writeError } from './api-response.js';
import type { QueryRoute } from './api-settings.js';
import { InvalidParamError, ReadConsistencyTimeoutError } from './errors.js';

/** Request header asking for a consistency level (Mimir's ingest storage accepts the same). */
export const READ_CONSISTENCY_HEADER = 'X-Read-Consistency';
/** Query parameter carrying a write token, for clients that cannot set headers. */
export const WRITE_TOKEN_PARAM = 'write_token';

/** What a read must see before it runs. */
export interface ReadRequirement {
  /** Per partition, the offset (exclusive) a store must have applied: the read's write tokens. */
  readonly positions: ReadonlyMap<number, number>;
  /** Every partition's high watermark as the read arrives. */
  readonly strong: boolean;
}

/** A store that holds partitions of the samples topic and can wait for them to apply offsets. */
export interface ConsistencyStore {
  /** Names the store in errors, e.g. `store-1 (http://10.0.0.5:9464)`. */
  readonly name: string;
  readonly partitions: readonly number[];
  readonly waiter: AppliedOffsetsWaiter;
  /** Its change log, which the result cache asks (result-cache.ts). */
  readonly changes?: ChangeSource;
}

export interface ReadConsistencySettings {
  /** The stores at the time of the read (the shard registry). */
  readonly stores: () => Promise<readonly ConsistencyStore[]>;
  /** Partitions of the samples topic (a strong read waits on all of them). */
  readonly partitionCount: number;
  readonly timeoutMs: number;
}

/** Pause before asking again when a partition had no store (a rebalance moves it). */
const REGISTRY_RETRY_MS = 100;

/**
 * Read-your-writes in front of the query API: a read carrying a write token (header
 * `X-Tidemark-Write-Token` or parameter `write_token`) or `X-Read-Consistency: strong` waits until
 * every store the registry lists for the partitions concerned has applied the offsets, then runs
 * and sees the writes. A read with neither runs at once, as before.
 */
export class ReadConsistency {
  constructor(private readonly settings: ReadConsistencySettings) {}

  /** What the request asks to see; null for an ordinary read. */
  static requirementOf(req: IncomingMessage, url: URL): ReadRequirement | null {
    const level = headerText(req, READ_CONSISTENCY_HEADER).toLowerCase();
    if (level !== '' && level !== 'strong' && level !== 'eventual') {
      throw new InvalidParamError(READ_CONSISTENCY_HEADER, `expected "strong" or "eventual", got ${JSON.stringify(level)}`);
    }
    const tokens = [headerText(req, WRITE_TOKEN_HEADER), ...url.searchParams.getAll(WRITE_TOKEN_PARAM)].filter((t) => t !== '').join(',');
    let positions: Map<number, number>;
    try {
      positions = decodeWriteTokens(tokens);
    } catch (err) {
      if (err instanceof WriteTokenError) throw new InvalidParamError(WRITE_TOKEN_PARAM, err.message, err);
      throw err;
    }
    if (positions.size === 0 && level !== 'strong') return null;
    return { positions, strong: level === 'strong' };
  }

  /** Resolves once the stores hold what `r` asks for; throws ReadConsistencyTimeoutError at the timeout. */
  async await(r: ReadRequirement): Promise<void> {
    const { timeoutMs, partitionCount } = this.settings;
    const deadline = Date.now() + timeoutMs;
    const wanted = new Map<number, number>();
    for (const [p, o] of r.positions) if (o > 0) wanted.set(p, o);
    if (r.strong) for (let p = 0; p < partitionCount; p++) if (!wanted.has(p)) wanted.set(p, 0);
    if (wanted.size === 0) return;
    for (;;) {
      const behind = await this.round(wanted, r.strong, Math.max(0, deadline - Date.now()));
      if (behind.length === 0) return;
      if (Date.now() >= deadline) throw new ReadConsistencyTimeoutError(behind, timeoutMs);
      await new Promise((resolve) => setTimeout(resolve, Math.min(REGISTRY_RETRY_MS, Math.max(0, deadline - Date.now()))));
    }
  }

  /** One wait on every store concerned; returns what is still behind, described. */
  private async round(wanted: ReadonlyMap<number, number>, strong: boolean, timeoutMs: number): Promise<string[]> {
    const stores = await this.settings.stores();
    const held = new Set<number>();
    const asks = stores.flatMap((s) => {
      const partitions = s.partitions.filter((p) => wanted.has(p)).map((partition) => ({ partition, offset: wanted.get(partition)! }));
      for (const p of partitions) held.add(p.partition);
      return partitions.length === 0 ? [] : [{ store: s, partitions }];
    });
    const behind: string[] = [];
    for (const p of wanted.keys()) if (!held.has(p)) behind.push(`partition ${p} is held by no store`);
    const answers = await Promise.allSettled(asks.map((a) => a.store.waiter.waitApplied({ partitions: a.partitions, strong, timeoutMs })));
    answers.forEach((answer, i) => {
      const name = asks[i].store.name;
      if (answer.status === 'rejected') {
        const reason = answer.reason instanceof Error ? answer.reason.message : String(answer.reason);
        behind.push(`partition${asks[i].partitions.length > 1 ? 's' : ''} ${asks[i].partitions.map((p) => p.partition).join(', ')}: ${name} could not be asked: ${reason}`);
        return;
      }
      for (const l of answer.value.lagging) {
        behind.push(l.applied === null
          ? `partition ${l.partition} is not open on ${name}`
          : `partition ${l.partition} applied up to offset ${l.applied} of ${l.wanted} on ${name}`);
      }
    });
    return behind.sort();
  }
}

/** Paths whose reads honour write tokens and X-Read-Consistency. */
const CONSISTENT_READS = new Set(['/api/v1/query', '/api/v1/query_range', '/api/v1/series', '/api/v1/labels', '/api/v1/label/*']);

/**
 * The query API's read routes with read-your-writes in front: the wait happens before the
 * handler runs, so the endpoints themselves need not know of it.
 */
export function withReadConsistency(routes: readonly QueryRoute[], consistency: ReadConsistency): QueryRoute[] {
  return routes.map((route) => {
    if (!CONSISTENT_READS.has(route.path)) return route;
    return {
      ...route,
      handler: async (req, res, url) => {
        try {
          const r = ReadConsistency.requirementOf(req, url);
          if (r !== null) await consistency.await(r);
        } catch (err) {
          writeError(res, toApiError(err));
          return;
        }
        await route.handler(req, res, url);
      },
    };
  });
}

function headerText(req: IncomingMessage, name: string): string {
  const v = req.headers[name.toLowerCase()];
  return (Array.isArray(v) ? v.join(',') : v ?? '').trim();
}
