/**
 * Whole lines of a text stream as read: line `i` is `bytes[starts[i], ends[i])`, its end not
 * included. `starts` and `ends` hold until the next chunk is asked for (they are reused).
 */
export interface ByteLines {
  readonly bytes: Buffer;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly count: number;
}

const LF = 10;
const CR = 13;

/**
 * The lines of a byte stream as `readline` gives them (`\n`, `\r\n` and a lone `\r` end a line;
 * a last line without an end is a line too), a chunk's lines at a time, as offsets into the
 * chunk's bytes (the input's own, which it may reuse: see InputChunks): nothing is decoded, so a
 * reader of numbers reads them from the bytes and only the lines wanted as text become strings.
 * A line not ended in its chunk is carried into the next one and joined to its end there.
 */
export async function* byteLineChunks(input: AsyncIterable<Buffer | string>): AsyncGenerator<ByteLines> {
  let rest: Buffer | undefined;
  // The chunk before ended in `\r`: a `\n` at the start of this one belongs to it.
  let afterCr = false;
  // One set of bounds for every chunk: new arrays per chunk were a quarter of a megabyte each,
  // allocated outside the heap, and such allocations ask for full collections of it.
  const lines = new LineBounds(0);
  for await (const chunk of input) {
    let bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (bytes.length === 0) continue;
    if (afterCr) {
      afterCr = false;
      if (bytes[0] === LF) bytes = bytes.subarray(1);
    }
    if (rest !== undefined) {
      // The line carried over ends at the chunk's first \n (the usual case: no \r in the
      // chunk), and is joined to its start alone, sparing a copy of the whole chunk.
      const end = bytes.indexOf(CR) < 0 ? bytes.indexOf(LF) : -1;
      if (end >= 0) {
        const line = Buffer.concat([rest, bytes.subarray(0, end)]);
        yield { bytes: line, starts: Int32Array.of(0), ends: Int32Array.of(line.length), count: 1 };
        bytes = bytes.subarray(end + 1);
      } else bytes = Buffer.concat([rest, bytes]);
      rest = undefined;
    }
    lines.reset(bytes.length);
    const tail = bytes.indexOf(CR) < 0 ? lines.scanLf(bytes) : lines.scanAny(bytes);
    if (tail < 0) afterCr = true;
    else if (tail < bytes.length) rest = bytes.subarray(tail);
    if (lines.count > 0) yield { bytes, starts: lines.starts, ends: lines.ends, count: lines.count };
  }
  if (rest !== undefined) yield { bytes: rest, starts: Int32Array.of(0), ends: Int32Array.of(rest.length), count: 1 };
}

/** The bounds of a chunk's lines, found in one pass. */
class LineBounds {
  starts: Int32Array;
  ends: Int32Array;
  count = 0;

  constructor(bytes: number) {
    const guess = LineBounds.guess(bytes);
    this.starts = new Int32Array(guess);
    this.ends = new Int32Array(guess);
  }

  /** Exposition lines are rarely shorter than 32 bytes; the arrays grow when they are. */
  private static guess(bytes: number): number {
    return (bytes >>> 5) + 16;
  }

  /** Starts over for a chunk of `bytes`, keeping arrays that are large enough. */
  reset(bytes: number): void {
    this.count = 0;
    const guess = LineBounds.guess(bytes);
    if (this.starts.length >= guess) return;
    this.starts = new Int32Array(guess);
    this.ends = new Int32Array(guess);
  }

  private push(start: number, end: number): void {
    if (this.count === this.starts.length) {
      const starts = new Int32Array(2 * this.count);
      const ends = new Int32Array(2 * this.count);
      starts.set(this.starts);
      ends.set(this.ends);
      this.starts = starts;
      this.ends = ends;
    }
    this.starts[this.count] = start;
    this.ends[this.count++] = end;
  }

  /** Lines ended by `\n` only (no `\r` in the chunk): indexOf is a native search. Returns where the unended rest starts. */
  scanLf(bytes: Buffer): number {
    let p = 0;
    for (let e = bytes.indexOf(LF, p); e >= 0; e = bytes.indexOf(LF, p)) {
      this.push(p, e);
      p = e + 1;
    }
    return p;
  }

  /** Lines ended by any of the three ends; returns where the unended rest starts, or -1 when the chunk ends in `\r`. */
  scanAny(bytes: Buffer): number {
    let p = 0;
    const n = bytes.length;
    for (let i = 0; i < n; i++) {
      const c = bytes[i];
      if (c !== LF && c !== CR) continue;
      this.push(p, i);
      if (c === CR) {
        if (i + 1 === n) return -1;
        if (bytes[i + 1] === LF) i++;
      }
      p = i + 1;
    }
    return p;
  }
}
