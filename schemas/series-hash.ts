import xxhash from 'xxhash-wasm';
import { sortedLabelNames, type Labels } from './labels.js';

const { h64Raw } = await xxhash();

let scratch = Buffer.allocUnsafe(4096);

/**
 * The canonical bytes of a label set, identical in every producer of every cluster: for each
 * label in byte-wise ascending name order, the UTF-8 name, a 0xFF byte, the UTF-8 value, a 0xFF
 * byte. 0xFF never occurs in UTF-8, so distinct label sets never share canonical bytes.
 */
export function canonicalBytes(labels: Labels): Buffer {
  const names = sortedLabelNames(labels);
  let need = 0;
  for (const n of names) need += 3 * (n.length + labels[n].length) + 2;
  if (need > scratch.length) scratch = Buffer.allocUnsafe(need * 2);
  let off = 0;
  for (const n of names) {
    off += scratch.write(n, off, 'utf8');
    scratch[off++] = 0xff;
    off += scratch.write(labels[n], off, 'utf8');
    scratch[off++] = 0xff;
  }
  return scratch.subarray(0, off);
}

/**
 * Series identity across the pipeline: the 64-bit xxHash (XXH64, seed 0) of `canonicalBytes`,
 * as an unsigned bigint. Changing this function moves every series to another partition.
 */
export function seriesHash(labels: Labels): bigint {
  return h64Raw(canonicalBytes(labels), 0n);
}
