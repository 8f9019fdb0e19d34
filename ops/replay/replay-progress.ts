import { formatDuration, formatRate } from '../import/import-progress.js';
import type { ReplayProgress } from '../../pipeline/alert/replay/index.js';

/** Shows a rule replay's progress to whoever runs it, as `tidemark import` shows its own. */
export interface ReplayProgressReporter {
  update(p: ReplayProgress): void;
  /** The replay ended: the last state is shown and the reporter stops. */
  finish(p: ReplayProgress): void;
}

/** Evaluations per second and the time left, from the first update on. */
class Pace {
  private readonly started = Date.now();

  measure(p: ReplayProgress): { perSecond: number; secondsLeft: number | undefined } {
    const seconds = Math.max(1e-3, (Date.now() - this.started) / 1000);
    const perSecond = p.done / seconds;
    return { perSecond, secondsLeft: perSecond <= 0 ? undefined : (p.total - p.done) / perSecond };
  }
}

/** `[#########...........]  45%  630/1404 evaluations  401 evaluations/s  12.3 k samples written  0:02 left`, redrawn in place. */
export class ReplayProgressBar implements ReplayProgressReporter {
  private readonly pace = new Pace();
  private last = 0;
  private drawn = false;

  constructor(
    private readonly write: (text: string) => void,
    private readonly width = 30,
    private readonly redrawMs = 200,
  ) {}

  update(p: ReplayProgress): void {
    const now = Date.now();
    if (now - this.last < this.redrawMs) return;
    this.last = now;
    this.draw(p);
  }

  finish(p: ReplayProgress): void {
    this.draw(p);
    if (this.drawn) this.write('\n');
  }

  private draw(p: ReplayProgress): void {
    const { perSecond, secondsLeft } = this.pace.measure(p);
    const fraction = p.total === 0 ? 1 : Math.min(1, p.done / p.total);
    const filled = Math.round(fraction * this.width);
    const left = secondsLeft === undefined ? '' : `  ${formatDuration(secondsLeft)} left`;
    this.write(
      `\r\x1b[K[${'#'.repeat(filled)}${'.'.repeat(this.width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${p.done}/${p.total} evaluations  ` +
        `${formatRate(perSecond)} evaluations/s  ${formatRate(p.samplesWritten)} samples written${left}`,
    );
    this.drawn = true;
  }
}

/** One JSON object per line every `intervalMs` (`"msg":"replay progress"`), then `"replay finished"`. */
export class ReplayProgressLog implements ReplayProgressReporter {
  private readonly pace = new Pace();
  private last = Date.now();

  constructor(
    private readonly writeLine: (line: string) => void,
    private readonly intervalMs: number,
  ) {}

  update(p: ReplayProgress): void {
    const now = Date.now();
    if (now - this.last < this.intervalMs) return;
    this.last = now;
    this.log(p, 'replay progress');
  }

  finish(p: ReplayProgress): void {
    this.log(p, 'replay finished');
  }

  private log(p: ReplayProgress, msg: string): void {
    const { perSecond, secondsLeft } = this.pace.measure(p);
    this.writeLine(
      JSON.stringify({
        level: 'info',
        time: new Date().toISOString(),
        msg,
        evaluations: p.done,
        total: p.total,
        samples_read: p.samplesRead,
        samples_written: p.samplesWritten,
        alert_events: p.alertEvents,
        evaluations_per_second: Math.round(perSecond),
        seconds_left: secondsLeft === undefined ? null : Math.round(secondsLeft),
      }),
    );
  }
}
