import type { ImportFileFormat } from './import-format.js';

/** Lines of one file sent in one request. */
export interface LineBatch {
  /** The request body. */
  readonly body: string;
  /**
   * The body's lines (carried ones first) as the batcher holds them, when it does: a reader that
   * walks lines (the series-runs parser) spares building the body and splitting it again.
   */
  readonly lineTexts?: readonly string[];
  /** Lines at the top of the body that repeat metadata of an earlier batch (not lines of the file here). */
  readonly carried: number;
  /** The file's line number of the first line after the carried ones. */
  readonly firstLine: number;
  /** Lines of the file in this batch. */
  readonly lines: number;
  /** Characters of the file's lines in this batch, newlines included (the carried ones not). */
  readonly chars: number;
}

const METADATA = /^# (HELP|TYPE|UNIT) (\S+)/;

/**
 * Cuts a file's lines into request bodies of about `maxBytes` or `maxLines`. For the exposition
 * formats, a batch that starts inside a metric family repeats the family's HELP/TYPE/UNIT lines
 * first, so each request is a valid exposition on its own; `# EOF` is left to the last batch.
 */
export class LineBatcher {
  /** The batch's lines, its carried metadata lines first (so a batch needs no copy to join them). */
  private lines: string[] = [];
  private bytes = 0;
  private firstLine = 1;
  private nextLine = 1;
  private family = '';
  private familyMeta: string[] = [];
  private carried = 0;

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

  /** Adds the next line of the file; returns a batch when one is full. */
  add(line: string): LineBatch | undefined {
    if (this.lines.length === 0) {
      this.firstLine = this.nextLine;
      this.lines = this.familyMeta.slice();
      this.carried = this.lines.length;
    }
    this.nextLine++;
    this.lines.push(line);
    this.bytes += line.length + 1;
    this.trackMetadata(line);
    return this.bytes >= this.maxBytes || this.lines.length - this.carried >= this.maxLines ? this.flush() : undefined;
  }

  private trackMetadata(line: string): void {
    if (this.format !== 'prometheus' && this.format !== 'openmetrics') return;
    // Only a comment can be metadata: the cheap test spares the regex on sample lines.
    if (line.charCodeAt(0) !== 35) return;
    const m = METADATA.exec(line);
    if (m === null) return;
    if (m[2] !== this.family) {
      this.family = m[2];
      this.familyMeta = [];
    }
    this.familyMeta.push(line);
  }

  /** The lines not yet in a batch, if any. */
  flush(): LineBatch | undefined {
    if (this.lines.length === 0) return undefined;
    const carried = this.carried;
    const lineTexts = this.lines;
    // Joined only when sent as text: a batch sent as series runs is parsed from its lines.
    let body: string | undefined;
    const batch = {
      get body(): string {
        return (body ??= lineTexts.join('\n') + '\n');
      },
      lineTexts,
      carried,
      firstLine: this.firstLine,
      lines: this.lines.length - carried,
      chars: this.bytes,
    };
    this.lines = [];
    this.carried = 0;
    this.bytes = 0;
    return batch;
  }
}
