import { SeriesRunsWriter } from '../../connectors/import/series-runs-body.js';
import { createParser, ExpositionParseError } from '../../schemas/exposition/index.js';
import { parseFloatLiteral, parseIntLiteral } from '../../schemas/exposition/float-literal.js';
import type { LineBatch } from './line-batches.js';

/** A batch parsed here, as a series-runs body; `lineOf(n)` is the file line run `n` (1-based) began at. */
export interface SeriesRunBatch extends Omit<LineBatch, 'body'> {
  readonly body: Buffer;
  readonly lineOf: (run: number) => number;
}

const EOF_AT_END = /(^|\n)# EOF\s*$/;

interface Run {
  /** Name and labels as written: what every line of the run starts with. */
  readonly key: string;
  /** The body's line of the first sample, and of the last. */
  readonly first: number;
  last: number;
  /** The run's last line. */
  lastLine: string;
  readonly timestamps: number[];
  readonly values: number[];
  labels?: Record<string, string>;
}

/**
 * Parses a batch of exposition lines here and turns it into runs of one series' samples (an
 * export file is series after series, hundreds of lines each), sent to the series-runs endpoint:
 * the server then reads numbers instead of text, which was most of its CPU on an import, and the
 * parsing runs in the command, beside the server's appending.
 *
 * A line that repeats the name and labels of the line before is read here as `value timestamp`
 * with the literal parsers the exposition parsers use. The first and the last line of every run
 * and the metadata lines, in their order, go through the server's own parser, which gives each
 * run its labels and applies the format's rules (families, grouping, timestamps going
 * backwards across runs); within a run the timestamps must not go backwards either. The parser
 * must read the same value and timestamp as the split here on those lines.
 *
 * Undefined when the batch is better sent as text, for the server to read and answer line by
 * line: a line that does not parse, a sample without a timestamp (the server stamps those with
 * its own clock), an empty label value, a `#` in the name and labels (an exemplar would make the
 * split wrong), timestamps going backwards, or no sample at all.
 */
export function seriesRuns(batch: LineBatch, format: 'prometheus' | 'openmetrics'): SeriesRunBatch | undefined {
  const om = format === 'openmetrics';
  const scan = new RunScanner(om);
  const lines = batch.lineTexts ?? batch.body.slice(0, -1).split('\n');
  for (let i = 0; i < lines.length; i++) if (!scan.line(lines[i])) return undefined;
  scan.close();
  const { runs, checked, checkedRun } = scan;
  if (runs.length === 0) return undefined;

  const text = checked.join('\n') + '\n';
  const parser = createParser(om && !EOF_AT_END.test(text) ? `${text}# EOF\n` : text, format, { strict: false });
  try {
    for (let entry = parser.next(); entry !== undefined; entry = parser.next()) {
      if (entry !== 'series') continue;
      const r = runs[checkedRun[parser.line() - 1]];
      const isFirst = r.labels === undefined;
      const k = isFirst ? 0 : r.timestamps.length - 1;
      if (parser.timestamp() !== r.timestamps[k] || !Object.is(parser.value(), r.values[k])) return undefined;
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

  const writer = new SeriesRunsWriter();
  const firstLines: number[] = [];
  for (const r of runs) {
    writer.add({ labels: r.labels!, timestamps: r.timestamps, values: r.values });
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
 * The line-by-line part of `seriesRuns`, a method called per line: V8 optimizes it after a few
 * thousand lines, where one long loop in one function ran unoptimized for most of the first
 * batches (each rare branch taken for the first time deoptimized it).
 */
class RunScanner {
  readonly runs: Run[] = [];
  /** The lines the parser reads, and for each the run it starts or ends (-1: metadata). */
  readonly checked: string[] = [];
  readonly checkedRun: number[] = [];
  private run: Run | undefined;
  private lastTs = 0;
  private lineNo = 0;

  constructor(private readonly om: boolean) {}

  /** Reads one line; false when the batch is to be sent as text. */
  line(s: string): boolean {
    this.lineNo++;
    const end = s.length;
    if (end === 0) return false;
    if (s.charCodeAt(0) === 35 /* # */) {
      this.close();
      this.checked.push(s);
      this.checkedRun.push(-1);
      return true;
    }
    // The last two spaces (lastIndexOf is a runtime call in V8, several times this loop).
    let tsAt = end - 1;
    while (tsAt > 0 && s.charCodeAt(tsAt) !== 32) tsAt--;
    let valueAt = tsAt - 1;
    while (valueAt > 0 && s.charCodeAt(valueAt) !== 32) valueAt--;
    if (valueAt <= 0) return false;
    const v = parseFloatLiteral(s, valueAt + 1, tsAt);
    if (v === undefined) return false;
    let ts: number | undefined;
    if (this.om) {
      ts = secondsAsMs(s, tsAt + 1, end);
    } else {
      ts = parseIntLiteral(s, tsAt + 1, end);
    }
    if (ts === undefined) return false;
    let run = this.run;
    // A slice compared with === is faster here than startsWith, or a loop of charCodeAt.
    if (run !== undefined && valueAt === run.key.length && s.substring(0, valueAt) === run.key) {
      if (ts < this.lastTs) return false;
      run.last = this.lineNo;
    } else {
      run = this.start(s, valueAt);
      if (run === undefined) return false;
    }
    run.timestamps.push(ts);
    run.values.push(v);
    run.lastLine = s;
    this.lastTs = ts;
    return true;
  }

  private start(s: string, valueAt: number): Run | undefined {
    this.close();
    const key = s.slice(0, valueAt);
    if (key.includes('#')) return undefined;
    const run: Run = { key, first: this.lineNo, last: this.lineNo, lastLine: s, timestamps: [], values: [], labels: undefined };
    this.runs.push(run);
    this.checked.push(s);
    this.checkedRun.push(this.runs.length - 1);
    this.run = run;
    return run;
  }

  /** Ends the current run: its last line, when it is not its first, is read by the parser too. */
  close(): void {
    const run = this.run;
    if (run !== undefined && run.last !== run.first) {
      this.checked.push(run.lastLine);
      this.checkedRun.push(this.runs.length - 1);
    }
    this.run = undefined;
  }
}

/**
 * An OpenMetrics timestamp (seconds) as milliseconds, as the parser reads it: whole seconds, what
 * exports hold, without the float literal parser, which was a tenth of the command's CPU on them.
 */
function secondsAsMs(s: string, start: number, end: number): number | undefined {
  if (end > start && end - start <= 15) {
    let n = 0;
    let i = start;
    for (; i < end; i++) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
    }
    if (i === end) return n * 1000;
  }
  const sec = parseFloatLiteral(s, start, end);
  return sec === undefined || !Number.isFinite(sec) ? undefined : Math.round(sec * 1000);
}
