import { setImmediate as yieldToLoop } from 'node:timers/promises';

/** Output bytes decoded between two yields to the event loop (about a millisecond of work). */
export const SNAPPY_SLICE_BYTES = 2 ** 20;

/** A snappy block that does not decode; the message says what and where. */
export class SnappyCorruptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnappyCorruptError';
  }
}

/**
 * Decodes a snappy block (format_description.txt of google/snappy) whose header declares
 * `length` bytes, yielding to the event loop after every `sliceBytes` of output, so a body that
 * expands to hundreds of megabytes does not stall the process that receives it.
 */
export function snappyUncompressInSlices(body: Uint8Array, length: number, sliceBytes = SNAPPY_SLICE_BYTES): Promise<Buffer> {
  return oneLargeDecodeAtATime(async () => {
    const stream = new SnappyStream(body, length);
    for (;;) {
      stream.step(sliceBytes);
      if (stream.done) return stream.out;
      await yieldToLoop();
    }
  });
}

/**
 * Runs large decodes one after another: each holds its whole output (up to the
 * decompressed-size limit), so bodies decoded side by side would hold that many times the memory
 * for no gain in throughput.
 */
export function oneLargeDecodeAtATime<T>(decode: () => Promise<T>): Promise<T> {
  const run = inTurn.then(decode);
  inTurn = run.catch(() => undefined);
  return run;
}

let inTurn: Promise<unknown> = Promise.resolve();

/** Output allocated when a stream starts; it doubles as decoding reaches its end. */
const FIRST_OUTPUT_BYTES = 4 * SNAPPY_SLICE_BYTES;

/**
 * A snappy block decoded front to back, a slice per `step`: the first `decoded` bytes of `out`
 * are final, so a reader can work on a body while it is still being decoded and stop it early.
 * `out` grows (doubling, up to the declared length) as decoding goes, rather than being
 * allocated at the declared length up front: a body that is refused after its first megabytes
 * then never allocates the hundreds it declares, whose external memory would make V8 collect
 * garbage across the whole heap.
 */
export class SnappyStream {
  private readonly state: DecodeState;
  private finished = false;

  constructor(body: Uint8Array, length: number) {
    this.state = { body, out: Buffer.allocUnsafe(Math.min(length, FIRST_OUTPUT_BYTES)), length, ip: headerLength(body), op: 0 };
  }

  /** The output so far: `decoded` bytes of it are final; the whole body once `done`. Replaced as it grows. */
  get out(): Buffer {
    return this.state.out;
  }

  /** Bytes of `out` decoded so far. */
  get decoded(): number {
    return this.state.op;
  }

  /** True once the whole input is decoded (to the declared length: anything else throws). */
  get done(): boolean {
    return this.finished;
  }

  /** Decodes about `sliceBytes` more output; throws SnappyCorruptError on corrupt input. */
  step(sliceBytes: number): void {
    if (this.finished) return;
    if (!decodeSlice(this.state, this.state.op + sliceBytes)) return;
    if (this.state.op !== this.state.length) {
      throw new SnappyCorruptError(`decoded ${this.state.op} bytes, the header declares ${this.state.length}`);
    }
    this.finished = true;
  }
}

interface DecodeState {
  readonly body: Uint8Array;
  /** Output buffer, `length` bytes at most. */
  out: Buffer;
  /** The decoded length the header declares. */
  readonly length: number;
  ip: number;
  op: number;
}

/** Replaces the output with one of at least `need` bytes (doubling, at most the declared length), keeping what is decoded. */
function grow(st: DecodeState, need: number): Buffer {
  const out = Buffer.allocUnsafe(Math.min(st.length, Math.max(need, 2 * st.out.length)));
  out.set(st.out.subarray(0, st.op));
  st.out = out;
  return out;
}

/**
 * Decodes elements until the output reaches `stopAt` bytes or the input ends (returns true then).
 * Synchronous, with its cursors in locals: in the async caller they would live in its heap context.
 */
function decodeSlice(st: DecodeState, stopAt: number): boolean {
  const { body, length } = st;
  let out = st.out;
  const end = body.length;
  let ip = st.ip;
  let op = st.op;
  while (ip < end) {
    if (op >= stopAt) {
      st.ip = ip;
      st.op = op;
      return false;
    }
    const tag = body[ip++];
    const kind = tag & 3;
    if (kind === 0) {
      let len = tag >>> 2;
      if (len >= 60) {
        const extra = len - 59;
        if (ip + extra > end) throw new SnappyCorruptError(`literal length truncated at byte ${ip}`);
        len = 0;
        for (let i = 0; i < extra; i++) len += body[ip + i] * 2 ** (8 * i);
        ip += extra;
      }
      len += 1;
      if (ip + len > end) throw new SnappyCorruptError(`literal of ${len} bytes runs past the input at byte ${ip}`);
      if (op + len > length) throw new SnappyCorruptError(`output exceeds the ${length} bytes the header declares`);
      if (op + len > out.length) {
        st.op = op;
        out = grow(st, op + len);
      }
      if (len < 32) for (let i = 0; i < len; i++) out[op + i] = body[ip + i];
      else out.set(body.subarray(ip, ip + len), op);
      ip += len;
      op += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      if (ip >= end) throw new SnappyCorruptError(`copy truncated at byte ${ip}`);
      len = 4 + ((tag >>> 2) & 7);
      offset = ((tag >>> 5) << 8) | body[ip++];
    } else if (kind === 2) {
      if (ip + 2 > end) throw new SnappyCorruptError(`copy truncated at byte ${ip}`);
      len = 1 + (tag >>> 2);
      offset = body[ip] | (body[ip + 1] << 8);
      ip += 2;
    } else {
      if (ip + 4 > end) throw new SnappyCorruptError(`copy truncated at byte ${ip}`);
      len = 1 + (tag >>> 2);
      offset = (body[ip] | (body[ip + 1] << 8) | (body[ip + 2] << 16)) + body[ip + 3] * 2 ** 24;
      ip += 4;
    }
    if (offset === 0 || offset > op) throw new SnappyCorruptError(`copy offset ${offset} out of range at output byte ${op}`);
    if (op + len > length) throw new SnappyCorruptError(`output exceeds the ${length} bytes the header declares`);
    if (op + len > out.length) {
      st.op = op;
      out = grow(st, op + len);
    }
    // Byte by byte: copies are at most 64 bytes, and may overlap (a run repeating its last `offset` bytes).
    for (let i = 0; i < len; i++, op++) out[op] = out[op - offset];
  }
  st.ip = ip;
  st.op = op;
  return true;
}

function headerLength(body: Uint8Array): number {
  let i = 0;
  while (i < body.length && i < 5 && body[i] >= 0x80) i++;
  return i + 1;
}
