/**
 * A replay's float output as a series-runs body (`POST /api/v1/import/series-runs`): each series'
 * labels once, then its timestamps and values as float64 columns, staleness markers with the
 * marker's bits. A Tidemark reads it as numbers, where a remote_write request costs it a protobuf
 * decode per sample.
 */
import { SeriesRunsWriter } from '../../connectors/import/series-runs-body.js';
import type { Labels } from '../../schemas/index.js';
import { canonicalLabels, isValidLabelName } from '../../schemas/labels.js';
import type { WriteSample } from './write-request.js';

/** One series of the body being encoded. */
interface Run {
  readonly labels: Labels;
  readonly timestamps: number[];
  readonly values: number[];
  stale: number[] | undefined;
  ordered: boolean;
}

/** A series' canonical key per label object (a replay's rules hand the same object on at every instant), and its run in the body being encoded. */
interface KnownSeries {
  readonly key: string;
  /** The body takes the labels as they are: legacy names, no empty values. */
  readonly fits: boolean;
  body: number;
  run: Run | undefined;
}

const known = new WeakMap<Labels, KnownSeries>();
let bodies = 0;

function seriesOf(labels: Labels): KnownSeries {
  let k = known.get(labels);
  if (k === undefined) {
    let fits = true;
    for (const name in labels) if (!isValidLabelName(name) || labels[name] === '') fits = false;
    known.set(labels, (k = { key: canonicalLabels(labels), fits, body: -1, run: undefined }));
  }
  return k;
}

/**
 * The samples grouped into one run per label set, each run in time order; undefined when a label
 * set does not fit the body (a UTF-8 label name, an empty value): remote_write carries those.
 */
export function encodeSeriesRuns(samples: readonly WriteSample[]): Buffer | undefined {
  const body = bodies++;
  const byKey = new Map<string, Run>();
  for (const s of samples) {
    const k = seriesOf(s.labels);
    if (!k.fits) return undefined;
    let run = k.body === body ? k.run! : undefined;
    if (run === undefined) {
      // Another label object with the same labels joins the same run.
      run = byKey.get(k.key);
      if (run === undefined) byKey.set(k.key, (run = { labels: s.labels, timestamps: [], values: [], stale: undefined, ordered: true }));
      k.body = body;
      k.run = run;
    }
    const n = run.timestamps.length;
    if (n > 0 && s.t < run.timestamps[n - 1]!) run.ordered = false;
    if (s.stale) (run.stale ??= []).push(n);
    run.timestamps.push(s.t);
    run.values.push(s.stale ? Number.NaN : s.value);
  }
  const w = new SeriesRunsWriter();
  for (const run of byKey.values()) {
    w.add(run.ordered ? run : inTimeOrder(run));
    // The label object keeps its run until its next body: not this body's samples.
    run.timestamps.length = 0;
    run.values.length = 0;
  }
  return w.body();
}

/** A chunk's samples arrive instant by instant, so this is rare: a run sorted by time, its markers moved along. */
function inTimeOrder(run: Run): Run {
  const marker = new Set(run.stale);
  const order = run.timestamps.map((_, i) => i).sort((a, b) => run.timestamps[a]! - run.timestamps[b]!);
  const stale = order.flatMap((from, to) => (marker.has(from) ? [to] : []));
  return {
    labels: run.labels,
    timestamps: order.map((i) => run.timestamps[i]!),
    values: order.map((i) => run.values[i]!),
    stale: stale.length > 0 ? stale : undefined,
    ordered: true,
  };
}
