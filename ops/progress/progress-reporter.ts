/** Shows a long command's progress (`tidemark import`, `tidemark replay`) to whoever runs it. */
export interface ProgressReporter<P> {
  update(p: P): void;
  /** The work ended: the last state is shown and the reporter stops. */
  finish(p: P): void;
}

/**
 * A rate and the time left, measured from the first observation on (work resumed from an earlier
 * run, done before it, does not count toward the rate).
 */
export class Pace {
  private readonly started = Date.now();
  private first: { counted: number; done: number } | undefined;

  /** `counted` gives the rate (samples, evaluations); `done` of `total` gives the time left. */
  measure(counted: number, done: number, total: number | undefined): { perSecond: number; secondsLeft: number | undefined } {
    this.first ??= { counted, done };
    const seconds = Math.max(1e-3, (Date.now() - this.started) / 1000);
    const perSecond = (counted - this.first.counted) / seconds;
    const donePerSecond = (done - this.first.done) / seconds;
    const secondsLeft = total === undefined || donePerSecond <= 0 ? undefined : (total - done) / donePerSecond;
    return { perSecond, secondsLeft };
  }
}

/** A line redrawn in place on a terminal, at most every `redrawMs`, ended by a newline when finished. */
export class TerminalProgressLine<P> implements ProgressReporter<P> {
  private last = 0;
  private drawn = false;

  constructor(
    private readonly write: (text: string) => void,
    private readonly render: (p: P) => string,
    private readonly redrawMs = 200,
  ) {}

  update(p: P): void {
    const now = Date.now();
    if (now - this.last < this.redrawMs) return;
    this.last = now;
    this.draw(p);
  }

  finish(p: P): void {
    this.draw(p);
    if (this.drawn) this.write('\n');
  }

  private draw(p: P): void {
    this.write(`\r\x1b[K${this.render(p)}`);
    this.drawn = true;
  }
}

export interface JsonProgressSettings<P> {
  /** `msg` of the periodic lines and of the closing one. */
  readonly messages: { readonly progress: string; readonly finished: string };
  /** The line's fields after level, time and msg. */
  readonly fields: (p: P) => Record<string, unknown>;
  /** Called with every update, logged or not (a pace measured from the first one). */
  readonly observe?: (p: P) => void;
  /** Close with a line only when progress lines came before it (a short run stays quiet). */
  readonly quietWhenShort?: boolean;
}

/** One JSON object per line every `intervalMs`, for logs and pipes, then a closing line. */
export class JsonProgressLines<P> implements ProgressReporter<P> {
  private last = Date.now();
  private logged = false;

  constructor(
    private readonly writeLine: (line: string) => void,
    private readonly intervalMs: number,
    private readonly settings: JsonProgressSettings<P>,
  ) {}

  update(p: P): void {
    this.settings.observe?.(p);
    const now = Date.now();
    if (now - this.last < this.intervalMs) return;
    this.last = now;
    this.log(p, this.settings.messages.progress);
  }

  finish(p: P): void {
    if (this.logged || !this.settings.quietWhenShort) this.log(p, this.settings.messages.finished);
  }

  private log(p: P, msg: string): void {
    this.logged = true;
    this.writeLine(JSON.stringify({ level: 'info', time: new Date().toISOString(), msg, ...this.settings.fields(p) }));
  }
}
