import { SeriesRunsWriter } from '../../connectors/import/series-runs-body.js';
import { createParser, ExpositionParseError } from '../../schemas/exposition/index.js';
import { floatAt, intAt, secondsAsMsAt } from './byte-literals.js';
import type { LineBatch } from './line-batches.js';

/** A batch parsed here, as a series-runs body; `lineOf(n)` is the file line run `n` (1-based) began at. */
export interface SeriesRunBatch extends Omit<LineBatch, 'body' | 'bytes'> {
  readonly body: Buffer;
  readonly lineOf: (run: number) => number;
}

const EOF_AT_END = /(^|\n)# EOF\s*$/;

interface Run {
  /** Name and labels as written, `bytes[keyStart, keyEnd)` of the run's first line: what every line of the run starts with. */
  readonly keyStart: number;
  readonly keyEnd: number;
  /** The body's line of the first sample, and of the last. */
  readonly first: number;
  last: number;
  /** The run's last line, `bytes[lastStart, lastEnd)`. */
  lastStart: number;
  lastEnd: number;
  /** The run's samples, `[from, to)` of the scanner's columns. */
  readonly from: number;
  to: number;
  labels?: Record<string, string>;
}

const LF = 10;
const SPACE = 32;
const HASH = 35;
/** What `RunScanner.continued` answers for a line it does not read. */
const OTHER = -1;
const TEXT = -2;

/**
 * Whether `[a, a + n)` and `[c, c + n)` of the bytes `view` shows hold the same bytes: four at a
 * time (a DataView reads at any offset), three times faster than byte by byte on series keys.
 */
function sameBytes(view: DataView, a: number, c: number, n: number): boolean {
  let j = 0;
  for (; j + 4 <= n; j += 4) if (view.getInt32(a + j) !== view.getInt32(c + j)) return false;
  for (; j < n; j++) if (view.getUint8(a + j) !== view.getUint8(c + j)) return false;
  return true;
}

/**
 * Parses a batch of exposition lines here and turns it into runs of one series' samples (an
 * export file is series after series, hundreds of lines each), sent to the series-runs endpoint:
 * the server then reads numbers instead of text, which was most of its CPU on an import, and the
 * parsing runs in the command, beside the server's appending.
 *
 * A line that repeats the name and labels of the line before is read here, from the batch's
 * bytes, as `value timestamp` with the literal parsers the exposition parsers use. The first and
 * the last line of every run and the metadata lines, in their order, go through the server's own
 * parser, which gives each run its labels and applies the format's rules (families, grouping,
 * timestamps going backwards across runs); within a run the timestamps must not go backwards
 * either. The parser must read the same value and timestamp as the split here on those lines.
 *
 * Undefined when the batch is better sent as text, for the server to read and answer line by
 * line: a line that does not parse, a sample without a timestamp (the server stamps those with
 * its own clock), an empty label value, a `#` in the name and labels (an exemplar would make the
 * split wrong), timestamps going backwards, or no sample at all.
 */
export function seriesRuns(batch: LineBatch, format: 'prometheus' | 'openmetrics'): SeriesRunBatch | undefined {
  const om = format === 'openmetrics';
  const scan = new RunScanner(om, batch.bytes, batch.carried + batch.lines);
  if (!scan.all()) return undefined;
  const { runs, checked, checkedRun, timestamps, values } = scan;
  if (runs.length === 0) return undefined;

  const text = checked.join('\n') + '\n';
  const parser = createParser(om && !EOF_AT_END.test(text) ? `${text}# EOF\n` : text, format, { strict: false });
  try {
    for (let entry = parser.next(); entry !== undefined; entry = parser.next()) {
      if (entry !== 'series') continue;
      const r = runs[checkedRun[parser.line() - 1]];
      const isFirst = r.labels === undefined;
      const k = isFirst ? r.from : r.to - 1;
      if (parser.timestamp() !== timestamps[k] || !Object.is(parser.value(), values[k])) return undefined;
      if (isFirst) {
        const labels = parser.labels() as Record<string, string>;
        for (const name in labels) if (labels[name] === '') return undefined;
        r.labels = labels;
      }
    }
  } catch (err) {
    if (err instanceof ExpositionParseError) return undefined;
    throw err;
  }

  // The numbers and about as much again for each run's head and labels.
  const writer = new SeriesRunsWriter(16 * scan.samplesRead + 256 * runs.length + 64);
  const firstLines: number[] = [];
  for (const r of runs) {
    writer.add({ labels: r.labels!, timestamps: timestamps.subarray(r.from, r.to), values: values.subarray(r.from, r.to) });
    firstLines.push(batch.firstLine + r.first - batch.carried - 1);
  }
  return {
    body: writer.body(),
    carried: 0,
    firstLine: batch.firstLine,
    lines: batch.lines,
    chars: batch.chars,
    lineOf: (n) => firstLines[n - 1] ?? batch.firstLine,
  };
}

/**
 * The sample columns of the batch scanned last, which the next one reuses (the writer copies the
 * runs out of them): new ones for every batch were garbage of the batch's size.
 */
let columns = { timestamps: new Float64Array(1 << 12), values: new Float64Array(1 << 12) };

/**
 * The line-by-line part of `seriesRuns` over the batch's bytes. A line of the current run is
 * compared with the run's first line byte by byte and its numbers read forward in the same pass;
 * any other line (a new series, metadata, any form the short path does not take) is read by
 * `line`, which splits it at its last two spaces as the exposition parsers do.
 */
class RunScanner {
  readonly runs: Run[] = [];
  /** The lines the parser reads, and for each the run it starts or ends (-1: metadata). */
  readonly checked: string[] = [];
  readonly checkedRun: number[] = [];
  /** The samples of every run, run after run (from `columns`). */
  timestamps: Float64Array;
  values: Float64Array;
  private readonly view: DataView;
  private samples = 0;
  private run: Run | undefined;

  get samplesRead(): number {
    return this.samples;
  }
  private lastTs = 0;
  private lineNo = 0;

  constructor(
    private readonly om: boolean,
    private readonly b: Buffer,
    lines: number,
  ) {
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    if (columns.timestamps.length < lines) columns = { timestamps: new Float64Array(lines), values: new Float64Array(lines) };
    this.timestamps = columns.timestamps;
    this.values = columns.values;
  }

  /** Reads every line; false when the batch is to be sent as text. */
  all(): boolean {
    const b = this.b;
    const n = b.length;
    // Every line ends in \n: the scans of `continued` stop at one without checking the length.
    if (n === 0 || b[n - 1] !== LF) return false;
    let p = 0;
    while (p < n) {
      const next = this.continued(p);
      if (next === TEXT) return false;
      if (next !== OTHER) {
        p = next;
        continue;
      }
      const end = b.indexOf(LF, p);
      if (!this.line(p, end)) return false;
      p = end + 1;
    }
    this.close();
    return true;
  }

  /**
   * Reads the line at `p` when it is `key value timestamp` with the current run's key and no
   * other space: where the next line starts, OTHER when `line` is to read it, TEXT when the
   * batch is to be sent as text. A method of its own, called per line, as `line` is: V8
   * optimizes each after a few thousand lines, where in one loop over a batch each rare branch
   * taken for the first time sent the whole loop back to the interpreter.
   */
  private continued(p: number): number {
    const run = this.run;
    if (run === undefined) return OTHER;
    const b = this.b;
    const ks = run.keyStart;
    const k = run.keyEnd - ks;
    const at = p + k + 1;
    if (b[at - 1] !== SPACE || !sameBytes(this.view, p, ks, k)) return OTHER;
    let q = at;
    while (b[q] !== SPACE && b[q] !== LF) q++;
    if (q === at || b[q] !== SPACE) return OTHER;
    let r = q + 1;
    while (b[r] !== SPACE && b[r] !== LF) r++;
    if (r === q + 1 || b[r] !== LF) return OTHER;
    this.lineNo++;
    if (!this.numbers(at, q, r) || this.timestamps[this.samples] < this.lastTs) return TEXT;
    run.last = this.lineNo;
    this.sample(run, p, r);
    return r + 1;
  }

  /** Reads the line `b[start, end)` as the exposition parsers split it; false when the batch is to be sent as text. */
  private line(start: number, end: number): boolean {
    this.lineNo++;
    const b = this.b;
    if (end === start) return false;
    if (b[start] === HASH) {
      this.close();
      this.checked.push(b.toString('utf8', start, end));
      this.checkedRun.push(-1);
      return true;
    }
    // The last two spaces.
    let tsAt = end - 1;
    while (tsAt > start && b[tsAt] !== SPACE) tsAt--;
    let valueAt = tsAt - 1;
    while (valueAt > start && b[valueAt] !== SPACE) valueAt--;
    if (valueAt <= start) return false;
    if (!this.numbers(valueAt + 1, tsAt, end)) return false;
    let run = this.run;
    if (run !== undefined && valueAt - start === run.keyEnd - run.keyStart && sameBytes(this.view, start, run.keyStart, valueAt - start)) {
      if (this.timestamps[this.samples] < this.lastTs) return false;
      run.last = this.lineNo;
    } else {
      run = this.start(start, valueAt, end);
      if (run === undefined) return false;
    }
    this.sample(run, start, end);
    return true;
  }

  /** Reads the value in `b[valueStart, tsAt)` and the timestamp after it, up to `end`, into the next sample's place. */
  private numbers(valueStart: number, tsAt: number, end: number): boolean {
    if (this.samples === this.timestamps.length) this.grow();
    const b = this.b;
    const i = this.samples;
    if (!floatAt(b, valueStart, tsAt, this.values, i)) return false;
    return this.om ? secondsAsMsAt(b, tsAt + 1, end, this.timestamps, i) : intAt(b, tsAt + 1, end, this.timestamps, i);
  }

  /** Takes the sample `numbers` read into the run, from the line `b[lineStart, lineEnd)`. */
  private sample(run: Run, lineStart: number, lineEnd: number): void {
    this.lastTs = this.timestamps[this.samples++];
    run.to = this.samples;
    run.lastStart = lineStart;
    run.lastEnd = lineEnd;
  }

  private grow(): void {
    const t = new Float64Array(2 * this.timestamps.length);
    const v = new Float64Array(2 * this.values.length);
    t.set(this.timestamps);
    v.set(this.values);
    this.timestamps = t;
    this.values = v;
    columns = { timestamps: t, values: v };
  }

  private start(start: number, keyEnd: number, end: number): Run | undefined {
    this.close();
    const b = this.b;
    for (let i = start; i < keyEnd; i++) if (b[i] === HASH) return undefined;
    const run: Run = { keyStart: start, keyEnd, first: this.lineNo, last: this.lineNo, lastStart: start, lastEnd: end, from: this.samples, to: this.samples, labels: undefined };
    this.runs.push(run);
    this.checked.push(b.toString('utf8', start, end));
    this.checkedRun.push(this.runs.length - 1);
    this.run = run;
    return run;
  }

  /** Ends the current run: its last line, when it is not its first, is read by the parser too. */
  private close(): void {
    const run = this.run;
    if (run !== undefined && run.last !== run.first) {
      this.checked.push(this.b.toString('utf8', run.lastStart, run.lastEnd));
      this.checkedRun.push(this.runs.length - 1);
    }
    this.run = undefined;
  }
}
