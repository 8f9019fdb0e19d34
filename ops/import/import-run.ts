import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { detectFormat, endpointOf, type ImportFileFormat } from './import-format.js';
import { ImportSender, type BadLine, type BatchResult } from './import-sender.js';
import { openInput } from './input-stream.js';
import { LineBatcher, type LineBatch } from './line-batches.js';

export interface ImportRunOptions {
  /** `http://host:port` of `tidemark up` or `tidemark ingest` (or VictoriaMetrics). */
  readonly url: string;
  readonly files: readonly string[];
  readonly format: ImportFileFormat | 'auto';
  readonly csvFormat?: string;
  /** Carry on past bad lines, count them and list them at the end. */
  readonly skipBad: boolean;
  /** At most this many samples per second on average; 0 for no bound. */
  readonly rate: number;
  readonly batchBytes: number;
  readonly batchLines: number;
  readonly progressIntervalMs: number;
  readonly stdin?: Readable;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ImportSummary {
  readonly samples: number;
  readonly lines: number;
  readonly files: number;
  readonly seconds: number;
  readonly bad: BadLine[];
  readonly badCount: number;
  /** The bad line the import stopped at (without skipBad). */
  readonly stoppedAt?: BadLine;
}

/** Lines read before a file's format is decided when no line tells (it is then the Prometheus text format). */
const DETECTION_LINES = 1000;

/**
 * Reads each file line by line, detects its format, and sends it in batches, one request at a
 * time so that samples of a series reach the store in file order (the TSDB refuses a sample older
 * than its series' newest unless an out-of-order window is set). The next batch is read while the
 * previous one is in flight.
 */
export async function runImport(opts: ImportRunOptions, progress: (line: string) => void): Promise<ImportSummary> {
  const started = Date.now();
  let samples = 0;
  let lines = 0;
  let badCount = 0;
  const bad: BadLine[] = [];
  let stoppedAt: BadLine | undefined;
  let lastSamples = 0;
  let lastAt = started;
  const timer = setInterval(() => {
    const now = Date.now();
    const rate = ((samples - lastSamples) * 1000) / Math.max(1, now - lastAt);
    progress(`import: ${samples} samples, ${lines} lines, ${badCount} bad lines, ${formatRate(rate)} samples/s`);
    lastSamples = samples;
    lastAt = now;
  }, opts.progressIntervalMs);
  timer.unref();
  const summary = (files: number): ImportSummary => ({ samples, lines, files, seconds: (Date.now() - started) / 1000, bad, badCount, stoppedAt });
  try {
    let files = 0;
    for (const file of opts.files) {
      files++;
      const input = await openInput(file, opts.stdin);
      const name = file === '-' ? '<stdin>' : file;
      let sender: ImportSender | undefined;
      let batcher: LineBatcher | undefined;
      let inFlight: Promise<BatchResult> | undefined;
      const pending: string[] = [];
      const settle = async (): Promise<boolean> => {
        if (inFlight === undefined) return true;
        const r = await inFlight;
        inFlight = undefined;
        samples += r.samples;
        badCount += r.bad.length + r.unlisted;
        if (r.bad.length > 0 || r.unlisted > 0) {
          if (!opts.skipBad) {
            stoppedAt = r.bad.length > 0 ? r.bad.reduce((a, b) => (b.line < a.line ? b : a)) : { file: name, line: 0, reason: 'bad lines' };
            return false;
          }
          bad.push(...r.bad);
        }
        if (opts.rate > 0) {
          const ahead = (samples / opts.rate) * 1000 - (Date.now() - started);
          if (ahead > 0) await new Promise((r2) => setTimeout(r2, ahead));
        }
        return true;
      };
      const submit = async (batch: LineBatch | undefined): Promise<boolean> => {
        if (batch === undefined) return true;
        if (!(await settle())) return false;
        inFlight = sender!.send(name, batch);
        // Keep the rejection handled until settle() awaits it.
        inFlight.catch(() => undefined);
        return true;
      };
      const start = (format: ImportFileFormat) => {
        const ep = endpointOf(format, opts.csvFormat);
        sender = new ImportSender(opts.url.replace(/\/+$/, '') + ep.path, ep.contentType, opts.headers);
        batcher = new LineBatcher(format, opts.batchBytes, opts.batchLines);
      };
      if (opts.format !== 'auto') start(opts.format);
      const rl = createInterface({ input, crlfDelay: Infinity });
      let ok = true;
      for await (const line of rl) {
        lines++;
        if (batcher === undefined) {
          pending.push(line);
          const format = detectFormat(pending, opts.csvFormat) ?? (pending.length >= DETECTION_LINES ? 'prometheus' : undefined);
          if (format === undefined) continue;
          start(format);
          for (const p of pending.splice(0)) if (!(ok = await submit(batcher!.add(p)))) break;
        } else if (!(ok = await submit(batcher.add(line)))) break;
        if (!ok) break;
      }
      if (ok && batcher === undefined && pending.length > 0) {
        start(detectFormat(pending, opts.csvFormat) ?? 'prometheus');
        for (const p of pending.splice(0)) if (!(ok = await submit(batcher!.add(p)))) break;
      }
      if (ok) ok = await submit(batcher?.flush());
      if (ok) ok = await settle();
      rl.close();
      if (!ok) {
        input.destroy();
        return summary(files);
      }
    }
    return summary(files);
  } finally {
    clearInterval(timer);
  }
}

export function formatRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k`;
  return perSecond.toFixed(0);
}
