import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { LagBackpressure } from '../../connectors/http-edge/index.js';
import type { Bus } from '../../pipeline/bus/bus.js';
// The parser and the duration syntax alone: the packages' indexes load the engine and the rule evaluator.
import { parseExpr } from '../../pipeline/promql/parser/parser.js';
import { PromqlParseError } from '../../pipeline/promql/errors.js';
import type { LabelMatcher } from '../../pipeline/tsdb/index.js';
import { parsePromDurationMs } from '../../pipeline/alert/rules/config.js';
import { IMPORT_FORMATS, type ImportFileFormat } from '../import/import-format.js';
import { formatRate, JsonProgressLog, TerminalProgressBar, type ProgressReporter } from '../import/import-progress.js';
import { runImport, type ImportSummary, type RemoteReadInput } from '../import/import-run.js';
import { ImportRequestError } from '../import/import-sender.js';
import type { BusImportEndpoint } from '../import/bus-import-endpoint.js';
import { parseListenAddress, type HttpServer } from '../server/http-server.js';
import { keepStringMethodsFast } from '../../schemas/exposition/index.js';
import { ImportState, ImportStateError } from '../import/import-state.js';
import { InputError } from '../import/input-stream.js';
import { BlockFormatError } from '../import/block-format-error.js';
import { RemoteReadError } from '../import/remote-read-error.js';
import { ChunkDecodeError } from '../import/xor-chunk.js';
import { UsageError } from './flags.js';
import { CREDENTIAL_FLAG_HELP, CREDENTIAL_OPTIONS, credentialHeaders } from './http-credentials.js';

/** Requests an import keeps in flight when --concurrency does not say. */
export const DEFAULT_IMPORT_CONCURRENCY = 2;

/** Where an import records how far it got when --state does not say. */
export const DEFAULT_IMPORT_STATE = '.tidemark-import.state';

export const IMPORT_USAGE = `Usage: tidemark import --url http://HOST:PORT [flags] FILE...|-
       tidemark import --url http://HOST:PORT --remote-read URL --match SELECTOR --from T [--to T] [flags]
       tidemark import --url http://HOST:PORT --prometheus-blocks DIR [flags]
       tidemark import --kafka BROKERS [--config FILE] [flags] FILE...|-   (and the other sources)
       tidemark import --data DIR [--config FILE] [flags] FILE...|-        (a stopped tidemark up's bus)

Sends files with their own timestamps to the import endpoints of \`tidemark up\` or
\`tidemark ingest\` (/api/v1/import, /api/v1/import/prometheus, /api/v1/import/csv).
gzip and zstd files are recognised by their first bytes; \`-\` reads standard input.
With --remote-read, reads the series SELECTOR selects from a remote-read endpoint (Prometheus'
/api/v1/read) instead, one time chunk per request. With --prometheus-blocks, reads the blocks of
a Prometheus data directory or snapshot (or one block) from disk, oldest block first.

With --kafka (or --data, the directory of a stopped \`tidemark up\`), the samples go straight to
the samples topic of that bus, through the same import endpoint code run in this process: the
same parsing, limits, encoding and partitioning as an ingest role's; no running tidemark needed.

An interrupted import (Ctrl-C, SIGTERM) stops after the requests in flight; the same command run
again carries on where it stopped (the state file says where; it is removed once all is sent).

  --url URL             where tidemark (up or ingest) listens
  --kafka BROKERS       write to the samples topic on these Kafka brokers instead (comma-separated)
  --data DIR            write to the embedded bus under DIR (a stopped tidemark up's --data) instead
  --config FILE         tidemark.yml: the bus, its topic names and partitions (with --kafka or --data)
  --listen HOST:PORT    with --kafka or --data: serve /metrics (tidemark_import_*) while importing
  --format F            auto (default), vm-json, prometheus, openmetrics, csv
  --csv-format SPEC     CSV column mapping, e.g. 2:metric:ask,3:label:ticker,1:time:unix_s
  --remote-read URL     read from this remote-read endpoint, e.g. http://prometheus:9090/api/v1/read
  --match SELECTOR      the series to read, e.g. '{job="node"}' (with --remote-read)
  --from T, --to T      the time range to read, RFC 3339 or Unix seconds (--to: now)
  --chunk DURATION      time range per remote-read request (default 2h)
  --prometheus-blocks DIR  read Prometheus TSDB blocks: a data directory, a snapshot, or one block
  --state FILE          where the import records how far it got (default ${DEFAULT_IMPORT_STATE})
  --skip-bad            carry on past bad lines, list them at the end (default: stop at the first)
  --rate N              at most N samples per second on average (default: no bound)
  --batch-lines N       lines per request (default 100000; --batch-bytes usually cuts first)
  --batch-bytes N       bytes per request (default 4194304)
  --concurrency N       requests in flight at once (default ${DEFAULT_IMPORT_CONCURRENCY}); 1 keeps each series in file order
  --progress SECONDS    when standard error is not a terminal: a JSON progress line every SECONDS
                        (default 10); on a terminal a progress bar is drawn instead

With --url, who the import is for (with --kafka or --data the input's labels are kept as they are):
${CREDENTIAL_FLAG_HELP}`;

function parseTime(flag: string, text: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const ms = /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) throw new UsageError(`import: --${flag}: expected RFC 3339 or Unix seconds, got ${JSON.stringify(text)}`);
  return ms;
}

function parseSelector(text: string): LabelMatcher[] {
  let expr;
  try {
    expr = parseExpr(text);
  } catch (err) {
    throw new UsageError(`import: --match: ${err instanceof PromqlParseError ? err.message : String(err)}`);
  }
  if (expr.type !== 'vector_selector') throw new UsageError(`import: --match: expected a series selector such as '{job="node"}', got ${JSON.stringify(text)}`);
  return expr.matchers;
}

const positiveInt = (name: string, text: string | undefined, dflt: number): number => {
  if (text === undefined) return dflt;
  const n = Number(text);
  if (!(Number.isFinite(n) && n > 0)) throw new UsageError(`--${name}: expected a positive number, got ${JSON.stringify(text)}`);
  return n;
};

function requestsInFlight(text: string | undefined): number {
  const n = positiveInt('concurrency', text, DEFAULT_IMPORT_CONCURRENCY);
  if (!Number.isInteger(n)) throw new UsageError(`--concurrency: expected a whole number of requests, got ${JSON.stringify(text)}`);
  return n;
}

/** `tidemark import`: exit 0 when everything (but skipped lines) was stored, 1 otherwise, 2 on usage; 130/143 when interrupted. */
export async function runImportCommand(args: string[], io: { out: (l: string) => void; err: (l: string) => void }): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        url: { type: 'string' },
        kafka: { type: 'string' },
        data: { type: 'string' },
        config: { type: 'string' },
        listen: { type: 'string' },
        format: { type: 'string', default: 'auto' },
        'csv-format': { type: 'string' },
        'remote-read': { type: 'string' },
        match: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        chunk: { type: 'string' },
        'prometheus-blocks': { type: 'string' },
        state: { type: 'string' },
        'skip-bad': { type: 'boolean', default: false },
        rate: { type: 'string' },
        'batch-lines': { type: 'string' },
        'batch-bytes': { type: 'string' },
        concurrency: { type: 'string' },
        progress: { type: 'string' },
        ...CREDENTIAL_OPTIONS,
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(`import: ${(err as Error).message}`);
  }
  const v = parsed.values;
  if (v.help === true) {
    io.out(IMPORT_USAGE);
    return 0;
  }
  const toBus = v.kafka !== undefined || v.data !== undefined || v.config !== undefined;
  if (toBus && v.url !== undefined) throw new UsageError('import: give --url (a running tidemark) or --kafka / --data (the bus), not both');
  if (!toBus && v.url === undefined) throw new UsageError('import: --url is required (where tidemark up or ingest listens), or --kafka BROKERS to write to the bus');
  if (v.listen !== undefined && !toBus) throw new UsageError('import: --listen goes with --kafka or --data (with --url, the receiving tidemark counts the import in its /metrics)');
  const listen = v.listen === undefined ? undefined : parseListenAddress(v.listen);
  if (v.url !== undefined && !/^https?:\/\//.test(v.url)) throw new UsageError(`import: --url must start with http:// or https://, got ${JSON.stringify(v.url)}`);
  const format = v.format as ImportFileFormat | 'auto';
  if (!IMPORT_FORMATS.includes(format)) throw new UsageError(`import: --format must be one of ${IMPORT_FORMATS.join(', ')}`);
  if (format === 'csv' && v['csv-format'] === undefined) throw new UsageError('import: --format csv needs --csv-format SPEC');
  if (v['csv-format'] !== undefined && format !== 'auto' && format !== 'csv') throw new UsageError('import: --csv-format goes with --format csv');
  const remoteRead = remoteReadInput(v, parsed.positionals);
  const blocks = v['prometheus-blocks'];
  if (blocks !== undefined && (remoteRead !== undefined || parsed.positionals.length > 0)) throw new UsageError('import: --prometheus-blocks reads one source: leave out --remote-read and files');
  if (remoteRead === undefined && blocks === undefined && parsed.positionals.length === 0) throw new UsageError('import: name at least one file, or - for standard input (or read from --remote-read URL or --prometheus-blocks DIR)');
  // The bus takes no tenant: an import straight to it keeps the labels its input has.
  if (toBus && v.tenant !== undefined) throw new UsageError('import: --tenant goes with --url (the receiving tidemark puts the tenant label on); with --kafka or --data the input\'s labels are stored as they are');
  const headers = credentialHeaders('import', v);
  const files = parsed.positionals;
  const progressMs = positiveInt('progress', v.progress, 10) * 1000;
  const tty = process.stderr.isTTY === true;
  const reporter: ProgressReporter = tty ? new TerminalProgressBar((t) => process.stderr.write(t)) : new JsonProgressLog(io.err, progressMs);

  const stop = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    // A second signal ends at once, as a user pressing Ctrl-C twice expects.
    if (signalled !== undefined) process.exit(sig === 'SIGINT' ? 130 : 143);
    signalled = sig;
    io.err(`tidemark import: ${sig}: stopping after the requests in flight; run the same command again to carry on`);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let summary: ImportSummary;
  let bus: Bus | undefined;
  let endpoint: BusImportEndpoint | undefined;
  let metricsServer: HttpServer | undefined;
  let lagGuard: LagBackpressure | undefined;
  try {
    let url = v.url ?? '';
    let target: unknown = v.url;
    if (toBus) {
      // Loaded here, not with the module: the configuration schema, the bus clients and the
      // endpoint cost an import with --url, which needs none of them, 0.4 CPU-s at start.
      const [{ pino }, { LagBackpressure }, { startBusImportEndpoint }, { createMetricsRegistry }, { busFromConfig }, { configFromFlags }, { watermarksOf }, { serveMetrics }, { storeLagReader }] = await Promise.all([
        import('pino'), import('../../connectors/http-edge/index.js'), import('../import/bus-import-endpoint.js'), import('../server/metrics-registry.js'),
        import('./bus-from-config.js'), import('./config-from-flags.js'), import('./deferred-bus-sink.js'), import('./metrics-listener.js'), import('./store-lag.js'),
      ]);
      // The endpoint parses exposition text in this process: after any module loaded with the above that subclasses String, see fast-string-methods.ts.
      keepStringMethodsFast();
      const cfg = await configFromFlags({ config: v.config, kafka: v.kafka, data: v.data ?? './data', listen: '127.0.0.1:0', logLevel: 'warn' });
      const log = pino({ level: 'warn' }, pino.destination(2));
      try {
        bus = await busFromConfig(cfg, v.data ?? './data', log);
      } catch (err) {
        if (err instanceof Error && err.name === 'DataDirLockedError') {
          io.err(`tidemark import: ${err.message}; stop that tidemark, or import with --url into it while it runs`);
          return 1;
        }
        throw err;
      }
      const registry = createMetricsRegistry('import');
      if (cfg.ingest.max_store_lag > 0) {
        const b = bus;
        lagGuard = new LagBackpressure({ readLag: storeLagReader(() => b, cfg.store.group, cfg.bus.topics.samples), maxLag: cfg.ingest.max_store_lag });
        await lagGuard.poll();
        lagGuard.start();
      }
      endpoint = await startBusImportEndpoint({ bus, config: cfg, registry, log, watermarks: watermarksOf(cfg, log), backpressure: lagGuard });
      if (listen !== undefined) metricsServer = await serveMetrics(registry, log, listen, 'import');
      url = endpoint.url;
      target = cfg.bus.type === 'kafka' ? { kafka: cfg.bus.kafka?.brokers, topic: cfg.bus.topics.samples } : { data: resolve(v.data ?? './data'), topic: cfg.bus.topics.samples };
    }
    const statePath = v.state ?? DEFAULT_IMPORT_STATE;
    // What makes two runs the same import: where to, from where, and how the input is read.
    const state = await ImportState.load(statePath, {
      url: target,
      // Another tenant's import of the same files is another import (absent without --tenant, so older state files still match).
      ...(v.tenant === undefined ? {} : { tenant: v.tenant }),
      files: remoteRead === undefined ? files : [],
      blocks: blocks === undefined ? undefined : resolve(blocks),
      remoteRead: remoteRead === undefined ? undefined : { url: remoteRead.url, selector: remoteRead.selector, from: remoteRead.fromMs, to: remoteRead.toMs, chunk: remoteRead.chunkMs },
      format,
      csvFormat: v['csv-format'],
    });
    if (state.resumed) io.err(`tidemark import: carrying on where the run recorded in ${statePath} stopped`);
    summary = await runImport({
      url,
      files,
      remoteRead,
      prometheusBlocks: blocks,
      format: v['csv-format'] !== undefined ? 'csv' : format,
      csvFormat: v['csv-format'],
      skipBad: v['skip-bad'] === true,
      rate: v.rate === undefined ? 0 : positiveInt('rate', v.rate, 0),
      // Few large requests: each costs the server a bus append with its fsync (4 MiB bodies
      // import a 1 M sample file in 6.4 s where 5000-line ones took 11.3 s).
      batchLines: positiveInt('batch-lines', v['batch-lines'], 100_000),
      batchBytes: positiveInt('batch-bytes', v['batch-bytes'], 4 << 20),
      concurrency: requestsInFlight(v.concurrency),
      headers,
      state,
      stop: stop.signal,
      reporter,
      reportEveryMs: tty ? 200 : Math.min(progressMs, 1000),
      onRetry: (n) => io.err(`tidemark import: ${toBus ? 'the import endpoint' : n.url} answered ${n.status}: ${n.reason}; sending the batch again in ${n.waitSeconds} s`),
    });
  } catch (err) {
    const known = [InputError, ImportRequestError, RemoteReadError, ImportStateError, BlockFormatError, ChunkDecodeError];
    if (!known.some((k) => err instanceof k)) throw err;
    io.err(`tidemark import: ${(err as Error).message}`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    lagGuard?.stop();
    await metricsServer?.close();
    await endpoint?.close();
    await bus?.close();
  }
  const rate = summary.samples / Math.max(summary.seconds, 1e-3);
  if (summary.stoppedAt !== undefined) {
    const s = summary.stoppedAt;
    io.err(`${s.file}:${s.line}: ${s.reason}`);
    io.err(
      `import stopped at the first bad line (--skip-bad carries on); ${summary.samples} samples stored, the good lines of its batch (and of those in flight with it) included`,
    );
    return 1;
  }
  if (summary.badCount > 0) {
    for (const b of summary.bad) io.err(`${b.file}:${b.line}: ${b.reason}`);
    if (summary.badCount > summary.bad.length) io.err(`... and ${summary.badCount - summary.bad.length} more bad lines`);
  }
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const what =
    remoteRead !== undefined
      ? `${remoteRead.url} (${plural(summary.files, 'chunk')}, ${summary.lines} series)`
      : blocks !== undefined
        ? `${blocks} (${plural(summary.files, 'block')}, ${summary.lines} series)`
        : `${plural(summary.files, 'file')} (${summary.lines} lines)`;
  io.out(
    `${summary.interrupted ? 'interrupted after importing' : 'imported'} ${summary.samples} samples from ${what} in ${summary.seconds.toFixed(1)} s, ${formatRate(rate)} samples/s` +
      (summary.badCount > 0 ? `; skipped ${summary.badCount} bad lines` : '') +
      (summary.interrupted ? `; run the same command again to carry on (${v.state ?? DEFAULT_IMPORT_STATE})` : ''),
  );
  if (summary.interrupted) return signalled === 'SIGTERM' ? 143 : 130;
  return 0;
}

function remoteReadInput(
  v: { 'remote-read'?: string; match?: string; from?: string; to?: string; chunk?: string; 'bearer-token'?: string },
  positionals: readonly string[],
): RemoteReadInput | undefined {
  if (v['remote-read'] === undefined) {
    for (const f of ['match', 'from', 'to', 'chunk'] as const) if (v[f] !== undefined) throw new UsageError(`import: --${f} goes with --remote-read URL`);
    return undefined;
  }
  const url = v['remote-read'];
  if (!/^https?:\/\//.test(url)) throw new UsageError(`import: --remote-read must start with http:// or https://, got ${JSON.stringify(url)}`);
  if (positionals.length > 0) throw new UsageError('import: --remote-read reads no files; leave out ' + positionals.join(' '));
  if (v.match === undefined) throw new UsageError("import: --remote-read needs --match SELECTOR, e.g. '{job=\"node\"}'");
  if (v.from === undefined) throw new UsageError('import: --remote-read needs --from T (RFC 3339 or Unix seconds)');
  const fromMs = parseTime('from', v.from);
  const toMs = v.to === undefined ? Date.now() : parseTime('to', v.to);
  if (toMs < fromMs) throw new UsageError('import: --to is before --from');
  let chunkMs = 2 * 3600_000;
  if (v.chunk !== undefined) {
    const ms = parsePromDurationMs(v.chunk);
    if (ms === undefined || ms <= 0) throw new UsageError(`import: --chunk: expected a duration such as 2h or 30m, got ${JSON.stringify(v.chunk)}`);
    chunkMs = ms;
  }
  return { url, selector: v.match, matchers: parseSelector(v.match), fromMs, toMs, chunkMs };
}
