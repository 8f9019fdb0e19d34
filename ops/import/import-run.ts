import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { SERIES_RUNS_CONTENT_TYPE, SERIES_RUNS_PATH } from '../../connectors/import/series-runs-body.js';
import type { LabelMatcher } from '../../pipeline/tsdb/index.js';
import { detectFormat, endpointOf, type ImportFileFormat } from './import-format.js';
import type { ImportProgress, ProgressReporter } from './import-progress.js';
import { ImportSender, refusedAsWhole, type BadLine, type BatchResult, type RetryNotice } from './import-sender.js';
import type { ImportState, InputPosition } from './import-state.js';
import { byteLineChunks } from './byte-lines.js';
import { openInput } from './input-stream.js';
import { LineBatcher, type LineBatch } from './line-batches.js';
import { RequestWindow } from './request-window.js';
import { seriesRuns } from './series-runs.js';
import type { HistogramSeries } from './histogram-write-request.js';
import type { ReadSeries } from './remote-read-response.js';
import type { ReadSeriesBatch } from './read-series-batches.js';

/** A remote-read endpoint (Prometheus' `/api/v1/read`) as the source, read chunk after chunk. */
export interface RemoteReadInput {
  readonly url: string;
  /** The selector as given, for messages and the state file. */
  readonly selector: string;
  readonly matchers: readonly LabelMatcher[];
  readonly fromMs: number;
  readonly toMs: number;
  readonly chunkMs: number;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ImportRunOptions {
  /** `http://host:port` of `tidemark up` or `tidemark ingest` (or VictoriaMetrics). */
  readonly url: string;
  readonly files: readonly string[];
  readonly remoteRead?: RemoteReadInput;
  /** A Prometheus data directory, snapshot or block directory as the source. */
  readonly prometheusBlocks?: string;
  readonly format: ImportFileFormat | 'auto';
  readonly csvFormat?: string;
  /** Carry on past bad lines, count them and list them at the end. */
  readonly skipBad: boolean;
  /** At most this many samples per second on average; 0 for no bound. */
  readonly rate: number;
  readonly batchBytes: number;
  readonly batchLines: number;
  /** Requests in flight at once (1: each sent once the one before is answered). */
  readonly concurrency: number;
  readonly stdin?: Readable;
  readonly headers?: Readonly<Record<string, string>>;
  /** Where the run records how far it got, and where an earlier run stopped. */
  readonly state?: ImportState;
  /** Once aborted, the run sends nothing more and stops once the requests in flight are answered, with the state saved. */
  readonly stop?: AbortSignal;
  readonly reporter?: ProgressReporter;
  /** How often the reporter hears of progress between batches. */
  readonly reportEveryMs?: number;
  /** The server asked to wait before a batch is sent again (429 while its stores lag, 503). */
  readonly onRetry?: (notice: RetryNotice) => void;
}

export interface ImportSummary {
  readonly samples: number;
  readonly lines: number;
  /** Files, or time chunks of a remote read. */
  readonly files: number;
  readonly seconds: number;
  readonly bad: BadLine[];
  readonly badCount: number;
  /** The bad line the import stopped at (without skipBad). */
  readonly stoppedAt?: BadLine;
  /** Stopped on request before the end; the state file says where. */
  readonly interrupted: boolean;
  /** Continued where an earlier run stopped. */
  readonly resumed: boolean;
}

/** Lines read before a file's format is decided when no line tells (it is then the Prometheus text format). */
const DETECTION_LINES = 1000;

/**
 * Sends the inputs in batches, up to `concurrency` requests in flight; the next batch is read while
 * they are. Requests in flight at once may reach the store in another order than sent: the head
 * takes a sample older than its series' newest too (as an out-of-order one, merged on reads and
 * cuts), so the order costs only speed. After every batch the server took, the state (if any)
 * records how far the input got, over the batches stored without a gap (see ImportState.acknowledged).
 */
export async function runImport(opts: ImportRunOptions): Promise<ImportSummary> {
  return new ImportRun(opts).run();
}

class ImportRun {
  private readonly started = Date.now();
  private samples = 0;
  private lines = 0;
  private badCount = 0;
  private readonly bad: BadLine[] = [];
  private stoppedAt: BadLine | undefined;
  private interrupted = false;
  private inputs = 0;
  private done = 0;
  private total: number | undefined = 0;
  private unit: ImportProgress['unit'] = 'bytes';

  constructor(private readonly opts: ImportRunOptions) {}

  async run(): Promise<ImportSummary> {
    const reporter = this.opts.reporter;
    const timer = reporter === undefined ? undefined : setInterval(() => reporter.update(this.progress()), this.opts.reportEveryMs ?? 1000);
    timer?.unref();
    try {
      if (this.opts.remoteRead !== undefined) await this.remoteRead(this.opts.remoteRead);
      else if (this.opts.prometheusBlocks !== undefined) await this.blocks(this.opts.prometheusBlocks);
      else await this.allFiles();
    } finally {
      clearInterval(timer);
    }
    reporter?.finish(this.progress());
    const complete = !this.interrupted && this.stoppedAt === undefined;
    if (complete) await this.opts.state?.remove();
    return {
      samples: this.samples,
      lines: this.lines,
      files: this.inputs,
      seconds: (Date.now() - this.started) / 1000,
      bad: this.bad,
      badCount: this.badCount,
      stoppedAt: this.stoppedAt,
      interrupted: this.interrupted,
      resumed: this.opts.state?.resumed ?? false,
    };
  }

  private progress(): ImportProgress {
    return { samples: this.samples, lines: this.lines, badLines: this.badCount, done: this.done, total: this.total, unit: this.unit };
  }

  private stopRequested(): boolean {
    if (this.opts.stop?.aborted !== true) return false;
    this.interrupted = true;
    return true;
  }

  /** The requests of one input; those answered after it stopped at a bad line still count as stored. */
  private requestWindow(): RequestWindow {
    return new RequestWindow(this.opts.concurrency, (r) => (this.samples += r.samples));
  }

  /**
   * Sends a batch once there is room in `window`, unless the import was asked to stop: then it
   * waits for the requests in flight (settling them) and sends nothing. False when the input stops.
   */
  private async sendInTurn(window: RequestWindow, send: () => Promise<BatchResult>, reaches: InputPosition, key: string, name: string, stored?: () => void): Promise<boolean> {
    if (!(await window.room())) return false;
    if (this.stopRequested()) {
      await window.drain();
      return false;
    }
    const request = this.opts.state?.sending(key, reaches);
    window.add(send(), async (r) => {
      if (!(await this.account(r, name))) return false;
      stored?.();
      if (request !== undefined) await this.opts.state!.acknowledged(request);
      return true;
    });
    return true;
  }

  /** Counts what the server made of a batch; false when the import must stop at a bad line. */
  private async account(r: BatchResult, name: string): Promise<boolean> {
    this.samples += r.samples;
    this.badCount += r.bad.length + r.unlisted;
    if (r.bad.length > 0 || r.unlisted > 0) {
      if (!this.opts.skipBad) {
        this.stoppedAt = r.bad.length > 0 ? r.bad.reduce((a, b) => (b.line < a.line ? b : a)) : { file: name, line: 0, reason: 'bad lines' };
        return false;
      }
      this.bad.push(...r.bad);
    }
    if (this.opts.rate > 0) {
      const ahead = (this.samples / this.opts.rate) * 1000 - (Date.now() - this.started);
      if (ahead > 0) await new Promise((r2) => setTimeout(r2, ahead));
    }
    return true;
  }

  private async allFiles(): Promise<void> {
    const state = this.opts.state;
    this.unit = 'bytes';
    for (const file of this.opts.files) {
      if (file === '-' || this.total === undefined) this.total = undefined;
      else this.total += (await stat(file).catch(() => ({ size: 0 }))).size;
    }
    for (const file of this.opts.files) {
      this.inputs++;
      const position = state?.position(file) ?? {};
      if (position.done === true) {
        if (file !== '-') this.done += (await stat(file)).size;
        continue;
      }
      if (!(await this.file(file, position.lines ?? 0))) return;
    }
  }

  /** One file from line `resumeAfter` + 1 on; false when the import stops there. */
  private async file(file: string, resumeAfter: number): Promise<boolean> {
    const opts = this.opts;
    // Progress counts what the server took, in bytes of the file as stored (compressed or not):
    // characters of the stored lines, scaled by the bytes read per character read so far.
    const doneBefore = this.done;
    let rawRead = 0;
    let charsRead = 0;
    let charsStored = 0;
    const advance = () => {
      if (charsRead > 0) this.done = doneBefore + Math.min(rawRead, (charsStored * rawRead) / charsRead);
    };
    const input = await openInput(file, opts.stdin, (n) => (rawRead += n));
    const name = file === '-' ? '<stdin>' : file;
    let sender: ImportSender | undefined;
    // Exposition text is parsed here and sent as series runs where it can be (see seriesRuns).
    let runs: { sender: ImportSender; format: 'prometheus' | 'openmetrics' } | undefined;
    let batcher: LineBatcher | undefined;
    const window = this.requestWindow();
    let lineNo = 0;
    const pending: string[] = [];
    const submit = async (batch: LineBatch | undefined): Promise<boolean> => {
      if (batch === undefined) return true;
      // Parsed while the server still works on the batches before: the two overlap.
      const parsed = runs === undefined ? undefined : seriesRuns(batch, runs.format);
      const lines = batcher!;
      // Once answered, the batch's buffer goes back to the batcher for a later batch.
      const send = () => sendBatch().finally(() => lines.release(batch));
      const sendBatch = () =>
        parsed === undefined || runs === undefined
          ? sender!.send(name, batch)
          : runs.sender.send(name, parsed).catch((err: unknown) => {
              // A server without the series-runs endpoint (VictoriaMetrics, an older Tidemark), or
              // one that refuses the request as a whole: the text from here on, for it to answer.
              if (!refusedAsWhole(err)) throw err;
              runs = undefined;
              return sender!.send(name, batch);
            });
      return this.sendInTurn(window, send, { lines: batch.firstLine + batch.lines - 1 }, file, name, () => {
        charsStored += batch.chars;
        advance();
      });
    };
    /** Lines an earlier run stored are passed over, the rest batched; a promise only when a batch is sent. */
    const feed = (line: string): boolean | Promise<boolean> => {
      lineNo++;
      charsRead += line.length + 1;
      if (lineNo <= resumeAfter) {
        charsStored += line.length + 1;
        batcher!.skip(line);
        return true;
      }
      const batch = batcher!.add(line);
      return batch === undefined ? true : submit(batch);
    };
    /** `feed` for the line `bytes[start, end)`, which becomes a string only where one is wanted (metadata). */
    const feedBytes = (bytes: Buffer, start: number, end: number): boolean | Promise<boolean> => {
      lineNo++;
      charsRead += end - start + 1;
      if (lineNo <= resumeAfter) {
        charsStored += end - start + 1;
        batcher!.skipBytes(bytes, start, end);
        return true;
      }
      const batch = batcher!.addBytes(bytes, start, end);
      return batch === undefined ? true : submit(batch);
    };
    const start = (format: ImportFileFormat) => {
      const ep = endpointOf(format, opts.csvFormat);
      sender = new ImportSender(opts.url.replace(/\/+$/, '') + ep.path, ep.contentType, opts.headers, opts.onRetry);
      if (format === 'prometheus' || format === 'openmetrics') {
        runs = { sender: new ImportSender(opts.url.replace(/\/+$/, '') + SERIES_RUNS_PATH, SERIES_RUNS_CONTENT_TYPE, opts.headers, opts.onRetry), format };
      }
      batcher = new LineBatcher(format, opts.batchBytes, opts.batchLines);
    };
    if (opts.format !== 'auto') start(opts.format);
    let ok = !this.stopRequested();
    if (ok) {
      reading: for await (const { bytes, starts, ends, count } of byteLineChunks(input)) {
        for (let i = 0; i < count; i++) {
          this.lines++;
          if (batcher === undefined) {
            pending.push(bytes.toString('utf8', starts[i], ends[i]));
            const format = detectFormat(pending, opts.csvFormat) ?? (pending.length >= DETECTION_LINES ? 'prometheus' : undefined);
            if (format === undefined) continue;
            start(format);
            for (const p of pending.splice(0)) if (!(ok = await feed(p))) break;
          } else {
            const fed = feedBytes(bytes, starts[i], ends[i]);
            ok = fed === true || (fed !== false && (await fed));
          }
          if (!ok) break reading;
        }
        // The input reuses its chunk buffers: the lines of this one that wait for a batch are copied.
        batcher?.copyPending();
      }
    }
    if (ok && batcher === undefined && pending.length > 0) {
      start(detectFormat(pending, opts.csvFormat) ?? 'prometheus');
      for (const p of pending.splice(0)) if (!(ok = await feed(p))) break;
    }
    if (ok) ok = await submit(batcher?.flush());
    if (ok) ok = await window.drain();
    if (ok) ok = !this.stopRequested();
    if (!ok) {
      input.destroy();
      return false;
    }
    this.done = doneBefore + rawRead;
    await opts.state?.save(file, { lines: lineNo, done: true });
    return true;
  }

  /** [from, to] of a remote-read endpoint, chunk after chunk; the next chunk is read while the current one is sent. */
  private async remoteRead(rr: RemoteReadInput): Promise<void> {
    const { RemoteReadSource, timeChunks } = await loadRemoteReadSource();
    const source = new RemoteReadSource(rr.url, rr.matchers, rr.headers);
    const units = timeChunks(rr.fromMs, rr.toMs, rr.chunkMs).map((chunk) => ({ name: `${rr.url} ${new Date(chunk.start).toISOString()}`, read: () => source.read(chunk) }));
    await this.seriesUnits(`${rr.url} ${rr.selector}`, 'chunks', units, true);
  }

  /**
   * A unit's native histograms, as remote write requests to the server's `/api/v1/write` (sent
   * again whole when a run resumes inside the unit: the stores keep a sample they hold once).
   */
  private async sendHistogramSeries(name: string, series: readonly HistogramSeries[]): Promise<boolean> {
    const { histogramSampleCount, histogramWriteRequest, sendHistograms } = await import('./histogram-write-request.js');
    const opts = this.opts;
    const url = opts.url.replace(/\/+$/, '') + '/api/v1/write';
    let batch: HistogramSeries[] = [];
    let n = 0;
    const flush = async (): Promise<boolean> => {
      if (batch.length === 0) return true;
      await sendHistograms(url, name, histogramWriteRequest(batch), opts.headers, opts.onRetry);
      const ok = await this.account({ samples: histogramSampleCount(batch), bad: [], unlisted: 0 }, name);
      batch = [];
      n = 0;
      return ok && !this.stopRequested();
    };
    for (const s of series) {
      batch.push(s);
      n += s.histograms.timestamps.length;
      if (n >= HISTOGRAMS_PER_REQUEST && !(await flush())) return false;
    }
    return flush();
  }

  /** Prometheus blocks, oldest first, each read series by series from disk. */
  private async blocks(dir: string): Promise<void> {
    const { blockSeries, findBlocks } = await import('./prometheus-blocks.js');
    const units = findBlocks(dir).map((block) => ({ name: block.dir, read: () => Promise.resolve(blockSeries(block)) }));
    await this.seriesUnits(`blocks ${dir}`, 'blocks', units, false);
  }

  /**
   * Sends units of series (time chunks, blocks) as series runs, or as JSON lines to
   * `/api/v1/import` for a server without the series-runs endpoint (VictoriaMetrics). A unit lists
   * its series in a fixed order (by labels), so a resumed run finds where it stopped by counting
   * series: the state holds the units done and the series of the next one stored.
   */
  private async seriesUnits(key: string, unit: ImportProgress['unit'], units: readonly SeriesUnit[], prefetch: boolean): Promise<void> {
    const { ReadSeriesBatcher, jsonLinesBatch } = await import('./read-series-batches.js');
    const opts = this.opts;
    const position = opts.state?.position(key) ?? {};
    this.unit = unit;
    this.total = units.length;
    this.done = position.chunks ?? 0;
    const base = opts.url.replace(/\/+$/, '');
    const lineSender = new ImportSender(base + '/api/v1/import', 'application/json', opts.headers, opts.onRetry);
    const runSender = new ImportSender(base + SERIES_RUNS_PATH, SERIES_RUNS_CONTENT_TYPE, opts.headers, opts.onRetry);
    let asRuns = true;
    const send = (name: string, batch: ReadSeriesBatch): Promise<BatchResult> =>
      !asRuns || batch.linesOnly
        ? lineSender.send(name, jsonLinesBatch(batch))
        : runSender.send(name, batch).catch((err: unknown) => {
            if (!refusedAsWhole(err)) throw err;
            asRuns = false;
            return lineSender.send(name, jsonLinesBatch(batch));
          });
    let resumeSeries = position.series ?? 0;
    const read = (i: number) => {
      const p = i < units.length && !this.stopRequested() ? units[i].read() : undefined;
      p?.catch(() => undefined);
      return p;
    };
    let next = read(this.done);
    for (let i = this.done; i < units.length; i++) {
      const series = await (next ?? units[i].read());
      next = prefetch ? read(i + 1) : undefined;
      this.inputs++;
      const name = units[i].name;
      const batcher = new ReadSeriesBatcher(opts.batchBytes, opts.batchLines);
      const window = this.requestWindow();
      const submit = (batch: ReadSeriesBatch | undefined): Promise<boolean> =>
        batch === undefined ? Promise.resolve(true) : this.sendInTurn(window, () => send(name, batch), { chunks: i, series: batch.firstLine + batch.lines - 1 }, key, name);
      let ok = true;
      let s = 0;
      const histograms: HistogramSeries[] = [];
      try {
        for await (const one of series) {
          // Histograms go by remote write once the unit's float lines are stored; a series without
          // float samples has no line (the series counted in the state are lines).
          if (one.histograms !== undefined) histograms.push({ labels: one.labels, histograms: one.histograms });
          if (one.timestamps.length === 0 && one.histograms !== undefined) continue;
          this.lines++;
          if (s++ < resumeSeries) batcher.skip();
          else if (!(ok = await submit(batcher.add(one)))) break;
        }
      } catch (err) {
        // A streamed answer broke off: what was sent of it is answered first, so the state records it.
        await window.drain();
        throw err;
      }
      if (ok) ok = await submit(batcher.flush());
      if (ok) ok = await window.drain();
      if (ok) ok = !this.stopRequested();
      if (ok && histograms.length > 0) ok = await this.sendHistogramSeries(name, histograms);
      if (!ok) return;
      resumeSeries = 0;
      this.done = i + 1;
      await opts.state?.save(key, { chunks: i + 1, series: 0 });
      if (this.stopRequested()) return;
    }
  }
}

/**
 * The readers of series (remote read with its protobuf types, Prometheus blocks with the chunk
 * decoders) and the histogram writer load only for an import that reads series, not files:
 * loading them was most of the start of a file import's command.
 */
const loadRemoteReadSource = () => import('./remote-read-source.js');

/** Histogram samples per remote-write request of an import. */
const HISTOGRAMS_PER_REQUEST = 2000;

interface SeriesUnit {
  readonly name: string;
  /** The unit's series, all at once or (a streamed answer) as they arrive. */
  read(): Promise<Iterable<ReadSeries> | AsyncIterable<ReadSeries>>;
}
