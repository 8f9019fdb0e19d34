/**
 * The frame both binary select answers share (series-columns-wire.ts, select-chunks-wire.ts):
 * a 4-byte magic, a little-endian uint32 header length, the header as UTF-8 JSON, zero bytes up
 * to a multiple of 8, then the answer's data. The data starts 8-aligned so a reader can view it
 * as float64 columns where it copied it.
 */

/** One answer buffer with the frame written and `dataBytes` left for the data at `dataAt`. */
export function framedAnswer(magic: number, header: unknown, dataBytes: number): { out: Buffer; dataAt: number } {
  const json = Buffer.from(JSON.stringify(header));
  const dataAt = align8(8 + json.length);
  // Memory of its own (not the shared pool's): offset 0, so float64 views of the data are aligned.
  const out = Buffer.allocUnsafeSlow(dataAt + dataBytes);
  out.writeUInt32LE(magic, 0);
  out.writeUInt32LE(json.length, 4);
  json.copy(out, 8);
  out.fill(0, 8 + json.length, dataAt);
  return { out, dataAt };
}

/**
 * Reads a frame's preamble and header as the answer's bytes arrive. `what` names the answer in
 * errors; `magicText` is the magic as text. Throws TypeError on a malformed frame.
 */
export class FramedHeaderReader {
  private head: Uint8Array = new Uint8Array(64);
  private headLength = 0;
  /** The parsed header, once complete. */
  header: unknown = undefined;
  /** Padding bytes between the header and the data still to skip. */
  private padding = 0;

  constructor(
    private readonly magic: number,
    private readonly what: string,
    private readonly magicText: string,
  ) {}

  get complete(): boolean {
    return this.header !== undefined && this.padding === 0;
  }

  /** Takes frame bytes from `chunk` from `at`; returns where the data starts in it (chunk.length when it has none yet). */
  take(chunk: Uint8Array, at = 0): number {
    const need = (): number => (this.headLength < 8 ? 8 : 8 + new DataView(this.head.buffer).getUint32(4, true));
    while (this.header === undefined && at < chunk.length) {
      const want = need();
      if (this.head.length < want) {
        const grown = new Uint8Array(Math.max(want, 2 * this.head.length));
        grown.set(this.head.subarray(0, this.headLength));
        this.head = grown;
      }
      const n = Math.min(want - this.headLength, chunk.length - at);
      this.head.set(chunk.subarray(at, at + n), this.headLength);
      this.headLength += n;
      at += n;
      if (this.headLength === 8 && new DataView(this.head.buffer).getUint32(0, true) !== this.magic) throw new TypeError(`${this.what} answer does not start with ${this.magicText}`);
      if (this.headLength > 8 && this.headLength === need()) {
        try {
          this.header = JSON.parse(Buffer.from(this.head.buffer, 8, this.headLength - 8).toString('utf8')) as unknown;
        } catch (err) {
          throw new TypeError(`${this.what} header is not JSON: ${(err as Error).message}`);
        }
        if (this.header === null || typeof this.header !== 'object') throw new TypeError(`${this.what} header is not an object`);
        this.padding = align8(this.headLength) - this.headLength;
      }
    }
    const skip = Math.min(this.padding, chunk.length - at);
    this.padding -= skip;
    return at + skip;
  }

  /** Throws unless the frame is complete (the answer ended in its preamble, header or padding). */
  finish(): void {
    if (this.header === undefined) throw new TypeError(`${this.what} answer ended in its ${this.headLength < 8 ? 'preamble' : 'header'} (${this.headLength} bytes)`);
    if (this.padding > 0) throw new TypeError(`${this.what} answer ended in the padding after its header`);
  }
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
