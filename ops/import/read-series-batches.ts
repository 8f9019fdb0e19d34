import { SeriesRunsWriter } from '../../connectors/import/series-runs-body.js';
import { setLabel } from '../../schemas/labels.js';
import type { LineBatch } from './line-batches.js';
import type { ReadSeries } from './remote-read-response.js';
import { vmJsonLine } from './remote-read-source.js';
import type { SeriesRunBatch } from './series-runs.js';

/**
 * Series of one unit (a time chunk of a remote read, a block) sent in one request, as a
 * series-runs body: the server reads the numbers as they are, where JSON lines had the command
 * print and the server parse every sample. Each series is one run, numbered like a line.
 */
export interface ReadSeriesBatch extends SeriesRunBatch {
  /** The series, for a server that reads JSON lines only (see `jsonLinesBatch`). */
  readonly series: readonly ReadSeries[];
  /** A series without `__name__` is in it: no run can carry it, so the batch goes as JSON lines. */
  readonly linesOnly: boolean;
}

/** A run's bytes besides its samples (its header and labels), for the batch's byte bound. */
const RUN_OVERHEAD_BYTES = 128;

/**
 * Cuts a unit's series into batches of about `maxBytes` (16 bytes a sample) or `maxSeries`
 * series, numbering the series from 1 as a resumed import counts them.
 */
export class ReadSeriesBatcher {
  private writer: SeriesRunsWriter | undefined;
  private series: ReadSeries[] = [];
  private bytes = 0;
  private linesOnly = false;
  private nextSeries = 1;

  constructor(
    private readonly maxBytes: number,
    private readonly maxSeries: number,
  ) {}

  /** Passes over a series an earlier run already sent: numbered, not sent again. */
  skip(): void {
    this.nextSeries++;
  }

  /** Adds the unit's next series; returns a batch when one is full. */
  add(s: ReadSeries): ReadSeriesBatch | undefined {
    const writer = (this.writer ??= new SeriesRunsWriter(Math.min(this.maxBytes, 1 << 22) + (1 << 16)));
    const labels = withValues(s.labels);
    if (labels.__name__ === undefined) this.linesOnly = true;
    else writer.add({ labels, timestamps: s.timestamps, values: s.values });
    this.series.push(s);
    this.bytes += RUN_OVERHEAD_BYTES + 16 * s.timestamps.length;
    return this.bytes >= this.maxBytes || this.series.length >= this.maxSeries ? this.flush() : undefined;
  }

  /** The series added since the last batch, if any. */
  flush(): ReadSeriesBatch | undefined {
    const series = this.series;
    const writer = this.writer;
    if (series.length === 0 || writer === undefined) return undefined;
    const firstLine = this.nextSeries;
    this.nextSeries += series.length;
    const batch: ReadSeriesBatch = {
      body: writer.body(),
      series,
      linesOnly: this.linesOnly,
      carried: 0,
      firstLine,
      lines: series.length,
      chars: this.bytes,
      lineOf: (run) => firstLine + run - 1,
    };
    this.writer = undefined;
    this.series = [];
    this.bytes = 0;
    this.linesOnly = false;
    return batch;
  }
}

/** The batch as VictoriaMetrics' JSON lines (`/api/v1/import`), one line per series in the same order. */
export function jsonLinesBatch(batch: ReadSeriesBatch): LineBatch {
  const body = batch.series.map(vmJsonLine).join('\n') + '\n';
  const bytes = Buffer.from(body, 'utf8');
  return { bytes, body, carried: 0, firstLine: batch.firstLine, lines: batch.lines, chars: bytes.length };
}

/** The labels without empty values, which JSON lines leave out and a run may not hold. */
function withValues(labels: Record<string, string>): Record<string, string> {
  for (const name in labels) {
    if (labels[name] !== '') continue;
    const kept: Record<string, string> = {};
    for (const [n, v] of Object.entries(labels)) if (v !== '') setLabel(kept, n, v);
    return kept;
  }
  return labels;
}
