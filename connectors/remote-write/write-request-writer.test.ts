import { describe, expect, it } from 'vitest';
import { WriteRequestType } from './testdata/prompb.js';
import { labelFields, ProtoWriter, varintSize } from './write-request-writer.js';

describe('remote_write request writer', () => {
  it('encodes a series\' labels sorted by name, once per label object, as protobufjs decodes them', () => {
    const labels = { job: 'node', __name__: 'up', 'ü': 'ñ' };
    const fields = labelFields(labels);
    expect(labelFields(labels)).toBe(fields);
    const w = new ProtoWriter(1);
    w.varint((1 << 3) | 2);
    w.varint(fields.length);
    w.raw(fields);
    const msg = WriteRequestType.decode(w.result()) as unknown as { timeseries: { labels: { name: string; value: string }[] }[] };
    expect(msg.timeseries[0].labels).toEqual([
      { name: '__name__', value: 'up' },
      { name: 'job', value: 'node' },
      { name: 'ü', value: 'ñ' },
    ]);
  });

  it('sizes and writes varints beyond 32 bits, growing its buffer', () => {
    const w = new ProtoWriter(1);
    for (const x of [0, 127, 128, 2 ** 31, 1_700_000_000_000]) {
      const before = w.len;
      w.varint(x);
      expect(w.len - before).toBe(varintSize(x));
    }
    expect([...w.view().subarray(0, 4)]).toEqual([0, 127, 0x80, 0x01]);
  });
});
