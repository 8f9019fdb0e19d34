import type { ReplayProgress } from '../../pipeline/alert/replay/index.js';
import { formatDuration, formatRate, progressBar } from '../progress/progress-format.js';
import { JsonProgressLines, Pace, TerminalProgressLine, type ProgressReporter } from '../progress/progress-reporter.js';

/** Shows a rule replay's progress to whoever runs it, as `tidemark import` shows its own. */
export type ReplayProgressReporter = ProgressReporter<ReplayProgress>;

/** `[#########...........]  45%  630/1404 evaluations  401 evaluations/s  12.3 k samples written  0:02 left`, redrawn in place. */
export class ReplayProgressBar extends TerminalProgressLine<ReplayProgress> {
  constructor(write: (text: string) => void) {
    const pace = new Pace();
    super(write, (p) => {
      const { perSecond, secondsLeft } = pace.measure(p.done, p.done, p.total);
      const left = secondsLeft === undefined ? '' : `  ${formatDuration(secondsLeft)} left`;
      return `${progressBar(p.total === 0 ? 1 : p.done / p.total)}${p.done}/${p.total} evaluations  ` +
        `${formatRate(perSecond)} evaluations/s  ${formatRate(p.samplesWritten)} samples written${left}`;
    });
  }
}

/** One JSON object per line every `intervalMs` (`"msg":"replay progress"`), then `"replay finished"`. */
export class ReplayProgressLog extends JsonProgressLines<ReplayProgress> {
  constructor(writeLine: (line: string) => void, intervalMs: number) {
    const pace = new Pace();
    super(writeLine, intervalMs, {
      messages: { progress: 'replay progress', finished: 'replay finished' },
      observe: (p) => pace.measure(p.done, p.done, p.total),
      fields: (p) => {
        const { perSecond, secondsLeft } = pace.measure(p.done, p.done, p.total);
        return {
          evaluations: p.done,
          total: p.total,
          samples_read: p.samplesRead,
          samples_written: p.samplesWritten,
          alert_events: p.alertEvents,
          evaluations_per_second: Math.round(perSecond),
          seconds_left: secondsLeft === undefined ? null : Math.round(secondsLeft),
        };
      },
    });
  }
}
