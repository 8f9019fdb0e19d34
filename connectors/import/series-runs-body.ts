import { isValidLabelName } from '../../schemas/labels.js';
import { isSafeIntegerTime } from '../../schemas/safe-integer-time.js';
import { isStaleNaNAt, STALE_NAN_BITS_HI, STALE_NAN_BITS_LO } from '../../schemas/sample.js';
import { ImportLineError } from './errors.js';
import type { BadLineCallback, SeriesCallback } from './import-format.js';

/**
 * The body of `/api/v1/import/series-runs`: samples already parsed, series run after series
 * run, so that the server reads numbers instead of text. `tidemark import` parses exposition
 * files itself and sends this, and `tidemark replay --rules` its rules' output.
 *
 *   "TMSR" 0x01, then per run:
 *   u32 LE  length of the labels, JSON (an object of label names to non-empty values, `__name__` among them)
 *   u32 LE  n, the samples of the run
 *   n x f64 LE  timestamps, integer milliseconds
 *   n x f64 LE  values; one with the bits of Prometheus' staleness marker (0x7ff0000000000002) is
 *               a staleness marker (the series ended there), any other NaN a NaN sample
 *
 * The runs are numbered from 1 like lines: a refused run is reported as `line N`.
 */
export const SERIES_RUNS_CONTENT_TYPE = 'application/vnd.tidemark.series-runs';
export const SERIES_RUNS_PATH = '/api/v1/import/series-runs';

const MAGIC = Buffer.from('TMSR\x01', 'latin1');
const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

/** A series run to write. */
export interface SeriesRun {
  readonly labels: Readonly<Record<string, string>>;
  readonly timestamps: ArrayLike<number>;
  readonly values: ArrayLike<number>;
  /** Indices of the values that are staleness markers (written with the marker's bits). */
  readonly stale?: readonly number[];
}

/**
 * Writes runs into one body, in one buffer that grows as needed (`expectedBytes` sizes it at
 * first): a buffer per run and a copy of them all into the body were garbage the size of the body.
 */
export class SeriesRunsWriter {
  private buf: Buffer;
  private bytes = MAGIC.length;
  private count = 0;
  /** A run's numbers as doubles, copied into the body in one go (the body's offsets need not be 8-byte aligned). */
  private numbers = new Float64Array(1024);

  constructor(expectedBytes = 1 << 16) {
    this.buf = Buffer.allocUnsafe(Math.max(expectedBytes, 1024));
    MAGIC.copy(this.buf, 0);
  }

  get runs(): number {
    return this.count;
  }

  add(run: SeriesRun): void {
    const labels = JSON.stringify(run.labels);
    const labelBytes = Buffer.byteLength(labels, 'utf8');
    const n = run.timestamps.length;
    this.reserve(8 + labelBytes + 16 * n);
    const buf = this.buf;
    let at = this.bytes;
    buf.writeUInt32LE(labelBytes, at);
    buf.writeUInt32LE(n, at + 4);
    at += 8;
    at += buf.write(labels, at, 'utf8');
    if (this.numbers.length < 2 * n) this.numbers = new Float64Array(2 * n);
    const numbers = this.numbers;
    for (let i = 0; i < n; i++) numbers[i] = run.timestamps[i];
    for (let i = 0; i < n; i++) numbers[n + i] = run.values[i];
    const body = buf.subarray(at, at + 16 * n);
    body.set(new Uint8Array(numbers.buffer, 0, 16 * n));
    if (!LITTLE_ENDIAN) body.swap64();
    // The marker's bits are written as bits: a NaN need not keep its payload through JS numbers.
    for (const i of run.stale ?? []) {
      body.writeUInt32LE(STALE_NAN_BITS_LO, 8 * (n + i));
      body.writeUInt32LE(STALE_NAN_BITS_HI, 8 * (n + i) + 4);
    }
    this.bytes = at + 16 * n;
    this.count++;
  }

  private reserve(n: number): void {
    if (this.bytes + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.bytes + n));
    this.buf.copy(grown, 0, 0, this.bytes);
    this.buf = grown;
  }

  /** The body of the runs added so far (a view of the writer's buffer: add no run after). */
  body(): Buffer {
    return this.buf.subarray(0, this.bytes);
  }
}

/**
 * A run's timestamps then values, reused run after run (a new array per run, allocated outside
 * the heap, asked for full collections of it): onSeries has them until it returns.
 */
let columns = new Float64Array(1024);
let columnBytes = new Uint8Array(columns.buffer);

/**
 * Reads a series-runs body, handing over each good run (its columns valid until onSeries returns)
 * and each bad one with why; returns the number of runs.
 */
export function readSeriesRuns(body: Buffer, onSeries: SeriesCallback, onBad: BadLineCallback): number {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new SeriesRunsBodyError('the body does not start with "TMSR" and version 1');
  }
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let at = MAGIC.length;
  let run = 0;
  while (at < body.length) {
    run++;
    if (at + 8 > body.length) throw new SeriesRunsBodyError(`run ${run}: the body ends inside its header`);
    const labelBytes = body.readUInt32LE(at);
    const n = body.readUInt32LE(at + 4);
    at += 8;
    if (at + labelBytes + 16 * n > body.length) throw new SeriesRunsBodyError(`run ${run}: the body ends before its ${n} samples`);
    const labelText = body.toString('utf8', at, at + labelBytes);
    at += labelBytes;
    if (columns.length < 2 * n) {
      columns = new Float64Array(Math.max(2 * n, 2 * columns.length));
      columnBytes = new Uint8Array(columns.buffer);
    }
    const numbers = columns;
    columnBytes.set(body.subarray(at, at + 16 * n));
    if (!LITTLE_ENDIAN) Buffer.from(numbers.buffer, 0, 16 * n).swap64();
    const stale = staleMarkers(view, at, numbers, n);
    at += 16 * n;
    const labels = checkedLabels(labelText, run, onBad);
    if (labels === undefined) continue;
    const timestamps = numbers.subarray(0, n);
    const bad = firstNonInteger(timestamps);
    if (bad >= 0) {
      onBad(new ImportLineError(run, `timestamps[${bad}]: ${timestamps[bad]} is not an integer number of milliseconds`));
      continue;
    }
    onSeries(labels, timestamps, numbers.subarray(n, 2 * n), run, stale);
  }
  return run;
}

// The walks over a run's samples are functions of their own, called once a run: V8 optimizes them
// within the first request, where as loops of readSeriesRuns (called once a request) they ran
// unoptimized through most of the first requests (25-35 µs a run of 500 samples, twice this).

/** The indices of the run's values that are staleness markers, if any; `at` is where the run's numbers start in `view`. */
function staleMarkers(view: DataView, at: number, numbers: Float64Array, n: number): number[] | undefined {
  let stale: number[] | undefined;
  for (let i = n; i < 2 * n; i++) {
    if (numbers[i] === numbers[i] || !isStaleNaNAt(view, at + 8 * i, true)) continue;
    (stale ??= []).push(i - n);
  }
  return stale;
}

/** The index of the first timestamp that is not an integer number of milliseconds, or -1. */
function firstNonInteger(timestamps: Float64Array): number {
  for (let i = 0; i < timestamps.length; i++) if (!isSafeIntegerTime(timestamps[i])) return i;
  return -1;
}

function checkedLabels(text: string, run: number, onBad: BadLineCallback): Record<string, string> | undefined {
  const bad = (detail: string): undefined => {
    onBad(new ImportLineError(run, detail));
    return undefined;
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return bad(`labels are not JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return bad('labels must be a JSON object of label names to values');
  const labels = parsed as Record<string, unknown>;
  for (const name in labels) {
    const value = labels[name];
    if (!isValidLabelName(name)) return bad(`invalid label name "${name}"`);
    if (typeof value !== 'string' || value === '') return bad(`label "${name}" must have a non-empty string value`);
  }
  if (typeof labels.__name__ !== 'string') return bad('labels have no "__name__"');
  return labels as Record<string, string>;
}

/** The body is not a series-runs body at all (the request is refused as a whole). */
export class SeriesRunsBodyError extends Error {
  constructor(detail: string) {
    super(`series-runs body: ${detail}`);
    this.name = 'SeriesRunsBodyError';
  }
}
