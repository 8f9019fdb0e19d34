import type { ImportFileFormat } from './import-format.js';

/** Lines of one file sent in one request. */
export interface LineBatch {
  /** The request body: the lines (carried ones first), each ended by `\n`, as UTF-8. */
  readonly bytes: Buffer;
  /** The body as text. */
  readonly body: string;
  /** Lines at the top of the body that repeat metadata of an earlier batch (not lines of the file here). */
  readonly carried: number;
  /** The file's line number of the first line after the carried ones. */
  readonly firstLine: number;
  /** Lines of the file in this batch. */
  readonly lines: number;
  /** Characters (bytes, for lines added as bytes) of the file's lines in this batch, newlines included (the carried ones not). */
  readonly chars: number;
}

const METADATA = /^# (HELP|TYPE|UNIT) (\S+)/;
const NEWLINE = 10;
const HASH = 35;

/**
 * Cuts a file's lines into request bodies of about `maxBytes` or `maxLines`. For the exposition
 * formats, a batch that starts inside a metric family repeats the family's HELP/TYPE/UNIT lines
 * first, so each request is a valid exposition on its own; `# EOF` is left to the last batch.
 *
 * A batch is built as its body's bytes: lines read as bytes (`addBytes`) are copied in, runs of
 * lines that follow each other in the file's chunk in one copy, and never become strings (a string
 * per line, split from the chunk and joined again, was much of an import's garbage).
 */
export class LineBatcher {
  /** The batch's body so far, carried metadata lines first. */
  private buf: Buffer = Buffer.alloc(0);
  private used = 0;
  /** Lines of the batch, carried ones included. */
  private count = 0;
  private bytes = 0;
  private firstLine = 1;
  private nextLine = 1;
  private family = '';
  private familyMeta: string[] = [];
  private carried = 0;
  /** Lines added as bytes and not copied yet: `copyFrom[copyStart, copyEnd)`, each of them ended by `\n` there. */
  private copyFrom: Buffer | undefined;
  private copyStart = 0;
  private copyEnd = 0;
  /** Buffers of batches whose requests were answered, for the next batches (see `release`). */
  private readonly spare: Buffer[] = [];

  constructor(
    private readonly format: ImportFileFormat,
    private readonly maxBytes: number,
    private readonly maxLines: number,
  ) {}

  /**
   * Passes over a line an earlier run already sent (a resumed import): it is numbered and its
   * metadata kept for the batches after it, but it is not sent again.
   */
  skip(line: string): void {
    this.nextLine++;
    this.trackMetadata(line);
  }

  /** `skip` for the line `bytes[start, end)`. */
  skipBytes(bytes: Buffer, start: number, end: number): void {
    this.nextLine++;
    if (bytes[start] === HASH) this.trackMetadata(bytes.toString('utf8', start, end));
  }

  /** Adds the next line of the file; returns a batch when one is full. */
  add(line: string): LineBatch | undefined {
    this.begin();
    this.copyPending();
    this.nextLine++;
    this.count++;
    this.write(line);
    this.bytes += line.length + 1;
    this.trackMetadata(line);
    return this.full() ? this.flush() : undefined;
  }

  /**
   * Adds the next line of the file, `bytes[start, end)` (its end not included); returns a batch
   * when one is full. `bytes` must not change until the batch is returned or `copyPending` runs.
   */
  addBytes(bytes: Buffer, start: number, end: number): LineBatch | undefined {
    this.begin();
    this.nextLine++;
    this.count++;
    this.bytes += end - start + 1;
    if (bytes[start] === HASH) this.trackMetadata(bytes.toString('utf8', start, end));
    if (bytes === this.copyFrom && start === this.copyEnd + 1 && bytes[this.copyEnd] === NEWLINE) this.copyEnd = end;
    else {
      this.copyPending();
      this.copyFrom = bytes;
      this.copyStart = start;
      this.copyEnd = end;
    }
    return this.full() ? this.flush() : undefined;
  }

  private full(): boolean {
    return this.bytes >= this.maxBytes || this.count - this.carried >= this.maxLines;
  }

  /** Starts a batch at the first line added after the last one: the family's metadata first. */
  private begin(): void {
    if (this.count > 0) return;
    this.firstLine = this.nextLine;
    if (this.buf.length === 0) this.buf = this.spare.pop() ?? Buffer.allocUnsafe(Math.min(this.maxBytes, 1 << 22) + (1 << 16));
    for (const line of this.familyMeta) this.write(line);
    this.count = this.carried = this.familyMeta.length;
  }

  private write(line: string): void {
    this.reserve(Buffer.byteLength(line) + 1);
    this.used += this.buf.write(line, this.used, 'utf8');
    this.buf[this.used++] = NEWLINE;
  }

  /**
   * Copies the lines added as bytes and not copied yet, each with its `\n`: after it the batch no
   * longer reads the chunks they came from, whose buffers the input may then reuse.
   */
  copyPending(): void {
    const from = this.copyFrom;
    if (from === undefined) return;
    this.copyFrom = undefined;
    this.reserve(this.copyEnd - this.copyStart + 1);
    this.used += from.copy(this.buf, this.used, this.copyStart, this.copyEnd);
    this.buf[this.used++] = NEWLINE;
  }

  private reserve(n: number): void {
    if (this.used + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.used + n));
    this.buf.copy(grown, 0, 0, this.used);
    this.buf = grown;
  }

  private trackMetadata(line: string): void {
    if (this.format !== 'prometheus' && this.format !== 'openmetrics') return;
    // Only a comment can be metadata: the cheap test spares the regex on sample lines.
    if (line.charCodeAt(0) !== HASH) return;
    const m = METADATA.exec(line);
    if (m === null) return;
    if (m[2] !== this.family) {
      this.family = m[2];
      this.familyMeta = [];
    }
    this.familyMeta.push(line);
  }

  /**
   * Takes back the buffer of a batch nothing reads any more (its request answered) for a later
   * batch to fill: a new buffer for every batch was most of the memory the command allocated
   * outside the heap, for which V8 ran a full collection every few batches.
   */
  release(batch: LineBatch): void {
    const whole = batch.bytes.buffer;
    if (this.spare.length < 4 && batch.bytes.byteOffset === 0 && whole.byteLength >= Math.min(this.maxBytes, 1 << 22)) this.spare.push(Buffer.from(whole));
  }

  /** The lines not yet in a batch, if any. */
  flush(): LineBatch | undefined {
    if (this.count === 0) return undefined;
    this.copyPending();
    // The next batch gets a buffer of its own: this one is the request body until it is answered.
    const bytes = this.buf.subarray(0, this.used);
    let body: string | undefined;
    const batch = {
      bytes,
      // Decoded only where wanted as text (a request sent as series runs is parsed from the bytes).
      get body(): string {
        return (body ??= bytes.toString('utf8'));
      },
      carried: this.carried,
      firstLine: this.firstLine,
      lines: this.count - this.carried,
      chars: this.bytes,
    };
    this.buf = Buffer.alloc(0);
    this.used = 0;
    this.count = 0;
    this.carried = 0;
    this.bytes = 0;
    return batch;
  }
}
