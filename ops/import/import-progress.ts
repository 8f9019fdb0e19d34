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
export interface ProgressReporter {
  update(p: ImportProgress): void;
  /** The import ended: the last state is shown and the reporter stops. */
  finish(p: ImportProgress): void;
}

export function formatRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k`;
  return perSecond.toFixed(0);
}

function formatAmount(n: number, unit: ImportProgress['unit']): string {
  if (unit !== 'bytes') return String(n);
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/**
 * Rates and the time left, measured from the first update on (resumed work done before it does
 * not count toward the rate).
 */
class Pace {
  private readonly started = Date.now();
  private first: ImportProgress | undefined;

  measure(p: ImportProgress): { samplesPerSecond: number; secondsLeft: number | undefined } {
    this.first ??= p;
    const seconds = Math.max(1e-3, (Date.now() - this.started) / 1000);
    const samplesPerSecond = (p.samples - this.first.samples) / seconds;
    const donePerSecond = (p.done - this.first.done) / seconds;
    const secondsLeft = p.total === undefined || donePerSecond <= 0 ? undefined : (p.total - p.done) / donePerSecond;
    return { samplesPerSecond, secondsLeft };
  }
}

/**
 * A bar redrawn in place on a terminal:
 * `[#########...........]  45%  40.1 MB/89.0 MB  120.3 k samples/s  0:35 left`.
 */
export class TerminalProgressBar implements ProgressReporter {
  private readonly pace = new Pace();
  private last = 0;
  private drawn = false;

  constructor(
    private readonly write: (text: string) => void,
    private readonly width = 30,
    private readonly redrawMs = 200,
  ) {}

  update(p: ImportProgress): void {
    const now = Date.now();
    if (now - this.last < this.redrawMs) return;
    this.last = now;
    this.draw(p);
  }

  finish(p: ImportProgress): void {
    this.draw(p);
    if (this.drawn) this.write('\n');
  }

  private draw(p: ImportProgress): void {
    const { samplesPerSecond, secondsLeft } = this.pace.measure(p);
    const fraction = p.total === undefined || p.total === 0 ? undefined : Math.min(1, p.done / p.total);
    const filled = fraction === undefined ? 0 : Math.round(fraction * this.width);
    const bar = fraction === undefined ? '' : `[${'#'.repeat(filled)}${'.'.repeat(this.width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%  `;
    const amount = p.total === undefined ? formatAmount(p.done, p.unit) : `${formatAmount(p.done, p.unit)}/${formatAmount(p.total, p.unit)}`;
    const left = secondsLeft === undefined ? '' : `  ${formatDuration(secondsLeft)} left`;
    const bad = p.badLines > 0 ? `  ${p.badLines} bad lines` : '';
    this.write(`\r\x1b[K${bar}${amount}${p.unit === 'bytes' ? '' : ` ${p.unit}`}  ${p.samples} samples  ${formatRate(samplesPerSecond)} samples/s${left}${bad}`);
    this.drawn = true;
  }
}

/** One JSON object per line every `intervalMs`, for logs and pipes. */
export class JsonProgressLog implements ProgressReporter {
  private readonly pace = new Pace();
  private last = Date.now();
  private logged = false;

  constructor(
    private readonly writeLine: (line: string) => void,
    private readonly intervalMs: number,
  ) {}

  update(p: ImportProgress): void {
    const now = Date.now();
    if (now - this.last < this.intervalMs) {
      this.pace.measure(p);
      return;
    }
    this.last = now;
    this.log(p, 'import progress');
  }

  /** The closing line, when there were progress lines before it (a short import stays quiet). */
  finish(p: ImportProgress): void {
    if (this.logged) this.log(p, 'import finished');
  }

  private log(p: ImportProgress, msg: string): void {
    this.logged = true;
    const { samplesPerSecond, secondsLeft } = this.pace.measure(p);
    this.writeLine(
      JSON.stringify({
        level: 'info',
        time: new Date().toISOString(),
        msg,
        samples: p.samples,
        lines: p.lines,
        bad_lines: p.badLines,
        done: Math.round(p.done),
        total: p.total ?? null,
        unit: p.unit,
        samples_per_second: Math.round(samplesPerSecond),
        seconds_left: secondsLeft === undefined ? null : Math.round(secondsLeft),
      }),
    );
  }
}
