/**
 * A replay's float output as a series-runs body (`POST /api/v1/import/series-runs`): each series'
 * labels once, then its timestamps and values as float64 columns, staleness markers with the
 * marker's bits. A Tidemark reads it as numbers, where a remote_write request costs it a protobuf
 * decode per sample.
 */
import { SeriesRunsWriter, type SeriesRun } from '../../connectors/import/series-runs-body.js';
import type { Labels } from '../../schemas/index.js';
import { canonicalLabels, isValidLabelName } from '../../schemas/labels.js';
import type { WriteSample } from './write-request.js';

/** One series' samples of the write being encoded. */
interface Run {
  readonly labels: Labels;
  readonly samples: WriteSample[];
  ordered: boolean;
}

/** A series' canonical key per label object (a replay's rules hand the same object on at every instant), and its run in the write being encoded. */
interface KnownSeries {
  readonly key: string;
  /** The body takes the labels as they are: legacy names, no empty values. */
  readonly fits: boolean;
  write: number;
  run: Run | undefined;
}

const known = new WeakMap<Labels, KnownSeries>();
let writes = 0;

function seriesOf(labels: Labels): KnownSeries {
  let k = known.get(labels);
  if (k === undefined) {
    let fits = true;
    for (const name in labels) if (!isValidLabelName(name) || labels[name] === '') fits = false;
    known.set(labels, (k = { key: canonicalLabels(labels), fits, write: -1, run: undefined }));
  }
  return k;
}

/** A series-runs body, and its samples for remote_write should the server not take series runs. */
export interface SeriesRunsBody {
  readonly body: Buffer;
  readonly samples: readonly WriteSample[];
}

/**
 * The samples as series-runs bodies of at most `maxSamples` samples each: one run per label set
 * across all of them, in time order, the bodies filled run after run (a run that does not fit is
 * continued in the next body). A rule's chunk of instants arrives instant by instant; grouped
 * across the whole chunk rather than per body, a series costs the server one label parse and
 * lookup per body instead of one per short run, which was most of what it spent on a replay's
 * output. `unfit` holds the samples whose label sets a body cannot carry (a UTF-8 label name, an
 * empty value): remote_write carries those.
 */
export function seriesRunsBodies(samples: readonly WriteSample[], maxSamples: number): { bodies: SeriesRunsBody[]; unfit: WriteSample[] } {
  if (!(maxSamples >= 1)) throw new RangeError(`a series-runs body needs room for at least 1 sample, got ${maxSamples}`);
  const write = writes++;
  const byKey = new Map<string, Run>();
  const unfit: WriteSample[] = [];
  for (const s of samples) {
    const k = seriesOf(s.labels);
    if (!k.fits) {
      unfit.push(s);
      continue;
    }
    let run = k.write === write ? k.run! : undefined;
    if (run === undefined) {
      // Another label object with the same labels joins the same run.
      run = byKey.get(k.key);
      if (run === undefined) byKey.set(k.key, (run = { labels: s.labels, samples: [], ordered: true }));
      k.write = write;
      k.run = run;
    }
    const n = run.samples.length;
    if (n > 0 && s.t < run.samples[n - 1]!.t) run.ordered = false;
    run.samples.push(s);
  }
  const bodies: SeriesRunsBody[] = [];
  let w = new SeriesRunsWriter();
  let inBody: WriteSample[] = [];
  for (const run of byKey.values()) {
    // A chunk's samples arrive instant by instant, so a run out of time order is rare (sort is stable: markers keep their place).
    const ordered = run.ordered ? run.samples : [...run.samples].sort((a, b) => a.t - b.t);
    for (let from = 0; from < ordered.length;) {
      const to = Math.min(ordered.length, from + maxSamples - inBody.length);
      w.add(columns(run.labels, ordered, from, to));
      for (let i = from; i < to; i++) inBody.push(ordered[i]!);
      from = to;
      if (inBody.length === maxSamples) {
        bodies.push({ body: w.body(), samples: inBody });
        w = new SeriesRunsWriter();
        inBody = [];
      }
    }
  }
  if (inBody.length > 0) bodies.push({ body: w.body(), samples: inBody });
  return { bodies, unfit };
}

/** Samples `from` to `to` (exclusive) of one series as a run. */
function columns(labels: Labels, samples: readonly WriteSample[], from: number, to: number): SeriesRun {
  const n = to - from;
  const timestamps = new Float64Array(n);
  const values = new Float64Array(n);
  let stale: number[] | undefined;
  for (let i = 0; i < n; i++) {
    const s = samples[from + i]!;
    timestamps[i] = s.t;
    if (s.stale) {
      values[i] = Number.NaN;
      (stale ??= []).push(i);
    } else values[i] = s.value;
  }
  return { labels, timestamps, values, stale };
}
