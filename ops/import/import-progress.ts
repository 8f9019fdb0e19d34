import { JsonProgressLines, Pace, TerminalProgressLine, type ProgressReporter as Reporter } from '../progress/progress-reporter.js';
import { formatBytes, formatDuration, formatRate, progressBar } from '../progress/progress-format.js';

export { formatRate };

/** What an import has done so far. */
export interface ImportProgress {
  readonly samples: number;
  readonly lines: number;
  readonly badLines: number;
  /** Of `total`, in `unit`: bytes of the input files stored, time chunks of a remote read or Prometheus blocks done. */
  readonly done: number;
  /** Undefined when unknown (standard input). */
  readonly total: number | undefined;
  readonly unit: 'bytes' | 'chunks' | 'blocks';
}

/** Shows an import's progress to whoever runs it. */
export type ProgressReporter = Reporter<ImportProgress>;

function formatAmount(n: number, unit: ImportProgress['unit']): string {
  return unit === 'bytes' ? formatBytes(n) : String(n);
}

function measure(pace: Pace, p: ImportProgress): { perSecond: number; secondsLeft: number | undefined } {
  return pace.measure(p.samples, p.done, p.total);
}

/**
 * A bar redrawn in place on a terminal:
 * `[#########...........]  45%  40.1 MB/89.0 MB  120.3 k samples/s  0:35 left`.
 */
export class TerminalProgressBar extends TerminalProgressLine<ImportProgress> {
  constructor(write: (text: string) => void) {
    const pace = new Pace();
    super(write, (p) => {
      const { perSecond, secondsLeft } = measure(pace, p);
      const bar = p.total === undefined || p.total === 0 ? '' : progressBar(p.done / p.total);
      const amount = p.total === undefined ? formatAmount(p.done, p.unit) : `${formatAmount(p.done, p.unit)}/${formatAmount(p.total, p.unit)}`;
      const left = secondsLeft === undefined ? '' : `  ${formatDuration(secondsLeft)} left`;
      const bad = p.badLines > 0 ? `  ${p.badLines} bad lines` : '';
      return `${bar}${amount}${p.unit === 'bytes' ? '' : ` ${p.unit}`}  ${p.samples} samples  ${formatRate(perSecond)} samples/s${left}${bad}`;
    });
  }
}

/** One JSON object per line every `intervalMs`, for logs and pipes; a short import stays quiet. */
export class JsonProgressLog extends JsonProgressLines<ImportProgress> {
  constructor(writeLine: (line: string) => void, intervalMs: number) {
    const pace = new Pace();
    super(writeLine, intervalMs, {
      messages: { progress: 'import progress', finished: 'import finished' },
      observe: (p) => measure(pace, p),
      quietWhenShort: true,
      fields: (p) => {
        const { perSecond, secondsLeft } = measure(pace, p);
        return {
          samples: p.samples,
          lines: p.lines,
          bad_lines: p.badLines,
          done: Math.round(p.done),
          total: p.total ?? null,
          unit: p.unit,
          samples_per_second: Math.round(perSecond),
          seconds_left: secondsLeft === undefined ? null : Math.round(secondsLeft),
        };
      },
    });
  }
}
