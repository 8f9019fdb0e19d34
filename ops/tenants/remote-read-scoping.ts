import { snappyBlockCompress, snappyBlockUncompress } from '../../schemas/snappy-block.js';
import { ReadRequestType } from '../../pipeline/query/index.js';

interface ReadRequestMessage {
  queries?: Array<{ matchers?: Array<{ type?: number; name?: string; value?: string }> }>;
}

/** prompb.LabelMatcher.Type.EQ */
const EQ = 0;

/**
 * A remote-read request (snappy-compressed prompb.ReadRequest) whose every query is confined to
 * `tenant`, matchers on the tenant label replaced as selector-scoping.ts does for PromQL.
 * Throws when the body is not a ReadRequest.
 */
export function scopeReadRequest(body: Uint8Array, label: string, tenant: string): Buffer {
  const message = ReadRequestType.decode(snappyBlockUncompress(body)) as unknown as ReadRequestMessage;
  for (const q of message.queries ?? []) {
    q.matchers = [...(q.matchers ?? []).filter((m) => m.name !== label), { type: EQ, name: label, value: tenant }];
  }
  const out = snappyBlockCompress(ReadRequestType.encode(message as never).finish());
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}
