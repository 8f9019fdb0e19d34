/**
 * Prometheus' XOR chunk encoding (tsdb/chunkenc/xor.go) is the TSDB's own chunk encoding: chunks
 * from a remote-read answer or a Prometheus block are decoded by the TSDB's decoder.
 */
import { decodeXorInto } from '../../pipeline/tsdb/chunks/xor-decode.js';
import type { SampleTarget } from '../../pipeline/tsdb/chunks/sample-target.js';

export class ChunkDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChunkDecodeError';
  }
}

/** Shared by every call: decoding is synchronous; grown to the largest chunk seen. */
const scratch: SampleTarget = { t: new Float64Array(0), v: new Float64Array(0), s: new Uint8Array(0), length: 0, staleCount: 0, unsorted: false };

/**
 * Appends the samples of one XOR chunk (its data, without the chunk file's length, encoding and
 * CRC) to `timestamps` and `values`, decoded by the TSDB's own decoder; staleness markers are left
 * out, as the import format cannot carry them. Returns how many samples were appended. A remote
 * answer has no checksum per chunk: a chunk cut short is found by the decoder reading past its end.
 */
export function decodeXorChunk(data: Uint8Array, timestamps: number[], values: number[]): number {
  if (data.length < 2) throw new ChunkDecodeError('XOR chunk shorter than its header');
  const count = (data[0] << 8) | data[1];
  if (scratch.t.length < count) {
    scratch.t = new Float64Array(count);
    scratch.v = new Float64Array(count);
    scratch.s = new Uint8Array(count);
  }
  scratch.length = 0;
  scratch.staleCount = 0;
  const bitsRead = decodeXorInto(data, scratch, -Infinity, Infinity);
  if (bitsRead > data.length * 8) throw new ChunkDecodeError('XOR chunk: ran out of bits');
  const { t, v, s } = scratch;
  let appended = 0;
  for (let k = 0; k < scratch.length; k++) {
    if (s[k] !== 0) continue;
    timestamps.push(t[k]);
    values.push(v[k]);
    appended++;
  }
  return appended;
}
