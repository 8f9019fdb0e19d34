/**
 * CRC-32C (Castagnoli), the checksum of each frame of a streamed remote-read answer
 * (Prometheus' `storage/remote/chunked.go`). Both ends of that stream use it: the query API writing
 * frames and the import reading them.
 */
const TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** The CRC-32C of `buf[start, end)` (the whole buffer by default). */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  let c = -1;
  for (let i = start; i < end; i++) c = TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
