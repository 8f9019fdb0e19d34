/** The protobuf wire types a MetricFamily uses. */
export const VARINT = 0;
export const FIXED64 = 1;
export const LEN = 2;
export const FIXED32 = 5;

/** Where and why protobuf bytes could not be read; the parser turns it into an ExpositionParseError. */
export class WireError extends Error {
  constructor(
    readonly offset: number,
    readonly detail: string,
  ) {
    super(`${detail} at byte ${offset}`);
    this.name = 'WireError';
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const SHORT_STRING = 64;

/**
 * A cursor over protobuf bytes between `pos` and `end`: the handful of primitives the exposition
 * messages need, each checking that it stays inside its enclosing message.
 */
export class ProtoWireReader {
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    public end: number,
  ) {}

  /** An unsigned varint, exact up to 2^53 (counts, lengths, tags). */
  varint(): number {
    let r = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireError(this.pos, 'truncated varint');
      const b = this.buf[this.pos++];
      r += (b & 0x7f) * mul;
      if (b < 0x80) return r;
      mul *= 128;
    }
    throw new WireError(this.pos, 'varint longer than 10 bytes');
  }

  /** A two's complement int64 (a negative one takes ten bytes; read exactly as a bigint). */
  int64(): number {
    const start = this.pos;
    const v = this.varint();
    if (v <= Number.MAX_SAFE_INTEGER) return v;
    let big = 0n;
    for (let i = start, shift = 0n; i < this.pos; i++, shift += 7n) big |= BigInt(this.buf[i] & 0x7f) << shift;
    return Number(BigInt.asIntN(64, big));
  }

  /** A zigzag-encoded sint32/sint64. */
  sint(): number {
    const n = this.varint();
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new WireError(this.pos, 'truncated double');
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true);
    this.pos += 8;
    return v;
  }

  /** The end offset of a length-delimited field starting at `pos`, checked against the enclosing end. */
  lenEnd(): number {
    const len = this.varint();
    const stop = this.pos + len;
    if (stop > this.end) throw new WireError(this.pos, `field of ${len} bytes runs past its enclosing message`);
    return stop;
  }

  string(): string {
    const stop = this.lenEnd();
    const b = this.buf;
    let s: string | undefined;
    // Names and most label values are short ASCII: building them by char code is several times
    // faster than a TextDecoder call per string.
    if (stop - this.pos <= SHORT_STRING) {
      s = '';
      for (let i = this.pos; i < stop; i++) {
        const c = b[i]!;
        if (c >= 0x80) {
          s = undefined;
          break;
        }
        s += String.fromCharCode(c);
      }
    }
    if (s === undefined) {
      try {
        s = utf8.decode(b.subarray(this.pos, stop));
      } catch {
        throw new WireError(this.pos, 'string is not valid UTF-8');
      }
    }
    this.pos = stop;
    return s;
  }

  /** Checks a field's wire type. */
  expect(wire: number, want: number, field: string): void {
    if (wire !== want) throw new WireError(this.pos, `field ${field} has wire type ${wire}, expected ${want}`);
  }

  /** A repeated varint field, packed or not (as protobuf allows either). */
  repeatedVarint(wire: number, out: number[], signed: boolean, field: string): void {
    if (wire === VARINT) {
      out.push(signed ? this.sint() : this.varint());
      return;
    }
    this.expect(wire, LEN, field);
    const stop = this.lenEnd();
    while (this.pos < stop) out.push(signed ? this.sint() : this.varint());
    if (this.pos !== stop) throw new WireError(this.pos, `packed field ${field} overruns its length`);
  }

  /** A repeated double field, packed or not. */
  repeatedDouble(wire: number, out: number[], field: string): void {
    if (wire === FIXED64) {
      out.push(this.double());
      return;
    }
    this.expect(wire, LEN, field);
    const stop = this.lenEnd();
    if ((stop - this.pos) % 8 !== 0) throw new WireError(this.pos, `packed field ${field} is not a whole number of doubles`);
    while (this.pos < stop) out.push(this.double());
  }

  /** Skips a field this reader does not use. */
  skip(tag: number): void {
    if (tag >>> 3 === 0) throw new WireError(this.pos, 'invalid field number 0');
    switch (tag & 7) {
      case VARINT: this.varint(); break;
      case FIXED64: this.advance(8); break;
      case LEN: this.pos = this.lenEnd(); break;
      case FIXED32: this.advance(4); break;
      default: throw new WireError(this.pos, `unsupported wire type ${tag & 7}`);
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw new WireError(this.pos, 'truncated field');
    this.pos += n;
  }
}
