/**
 * The write token: where the bus acknowledged a write, handed to the writer in a response header
 * and sent back with a query that must see the write (read-your-writes). It names, per partition
 * of the samples topic, the offset one past the write's last record there: a store whose shard
 * has applied up to that offset holds the write. The text is opaque to clients (base64url of
 * `partition:offset` pairs), so its form may change without breaking them.
 */

/** Response header of writes; request header (or `write_token` parameter) of reads. */
export const WRITE_TOKEN_HEADER = 'X-Tidemark-Write-Token';

const PREFIX = 'w1.';

/** Per partition, the offset a store must have applied (exclusive end) to hold the write. */
export type WritePositions = ReadonlyMap<number, number>;

export class WriteTokenError extends Error {
  constructor(
    readonly token: string,
    detail: string,
  ) {
    super(`invalid write token ${JSON.stringify(token.length > 80 ? `${token.slice(0, 80)}...` : token)}: ${detail}`);
    this.name = 'WriteTokenError';
  }
}

export function encodeWriteToken(positions: WritePositions): string {
  const pairs = [...positions].sort((a, b) => a[0] - b[0]).map(([p, o]) => `${p}:${o}`);
  return PREFIX + Buffer.from(pairs.join(','), 'utf8').toString('base64url');
}

/** Parses one token; several (comma-separated, as repeated headers arrive) are merged, the furthest offset per partition winning. */
export function decodeWriteTokens(text: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const raw of text.split(',')) {
    const token = raw.trim();
    if (token === '') continue;
    if (!token.startsWith(PREFIX)) throw new WriteTokenError(token, `expected a token starting with ${JSON.stringify(PREFIX)}, as write responses carry in ${WRITE_TOKEN_HEADER}`);
    const body = Buffer.from(token.slice(PREFIX.length), 'base64url').toString('utf8');
    if (body === '') continue;
    for (const pair of body.split(',')) {
      const m = /^(\d{1,9}):(\d{1,16})$/.exec(pair);
      if (m === null) throw new WriteTokenError(token, `malformed partition offset ${JSON.stringify(pair)}`);
      const p = Number(m[1]);
      const o = Number(m[2]);
      if (!Number.isSafeInteger(o)) throw new WriteTokenError(token, `offset ${m[2]} out of range`);
      out.set(p, Math.max(out.get(p) ?? 0, o));
    }
  }
  return out;
}

/** Adds acknowledged records (partition, offset of the record) to `into` as exclusive ends. */
export function addAcknowledged(into: Map<number, number>, records: readonly { readonly partition: number; readonly offset: number }[]): void {
  for (const r of records) into.set(r.partition, Math.max(into.get(r.partition) ?? 0, r.offset + 1));
}
