import { snappyBlockCompress, snappyBlockUncompress } from '../../schemas/snappy-block.js';
import { describe, expect, it } from 'vitest';
import { ReadRequestType } from '../../pipeline/query/index.js';
import { scopeReadRequest } from './remote-read-scoping.js';

describe('remote read scoping', () => {
  it('confines every query of a ReadRequest to the tenant, replacing matchers on the tenant label', () => {
    const body = snappyBlockCompress(
      ReadRequestType.encode({
        queries: [
          { startTimestampMs: 1, endTimestampMs: 2, matchers: [{ type: 0, name: '__name__', value: 'up' }, { type: 2, name: 'tenant_id', value: '.*' }] },
          { startTimestampMs: 3, endTimestampMs: 4, matchers: [] },
        ],
      }).finish(),
    );
    const out = ReadRequestType.toObject(ReadRequestType.decode(snappyBlockUncompress(scopeReadRequest(body, 'tenant_id', 'a'))), { longs: Number, enums: Number }) as {
      queries: Array<{ startTimestampMs: number; matchers: Array<{ type?: number; name: string; value: string }> }>;
    };
    expect(out.queries.map((q) => q.startTimestampMs)).toEqual([1, 3]);
    expect(out.queries[0].matchers).toEqual([{ name: '__name__', value: 'up' }, { name: 'tenant_id', value: 'a' }]);
    expect(out.queries[1].matchers).toEqual([{ name: 'tenant_id', value: 'a' }]);
  });

  it('throws on a body that is not a snappy ReadRequest', () => {
    expect(() => scopeReadRequest(Buffer.from('not snappy'), 'tenant_id', 'a')).toThrow();
  });
});
