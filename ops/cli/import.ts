import { parseArgs } from 'node:util';
import { IMPORT_FORMATS, type ImportFileFormat } from '../import/import-format.js';
import { formatRate, runImport, type ImportSummary } from '../import/import-run.js';
import { ImportRequestError } from '../import/import-sender.js';
import { InputError } from '../import/input-stream.js';
import { UsageError } from './flags.js';

export const IMPORT_USAGE = `Usage: tidemark import --url http://HOST:PORT [flags] FILE...|-

Sends files with their own timestamps to the import endpoints of \`tidemark up\` or
\`tidemark ingest\` (/api/v1/import, /api/v1/import/prometheus, /api/v1/import/csv).
gzip and zstd files are recognised by their first bytes; \`-\` reads standard input.

  --url URL             where tidemark (up or ingest) listens
  --format F            auto (default), vm-json, prometheus, openmetrics, csv
  --csv-format SPEC     CSV column mapping, e.g. 2:metric:ask,3:label:ticker,1:time:unix_s
  --skip-bad            carry on past bad lines, list them at the end (default: stop at the first)
  --rate N              at most N samples per second on average (default: no bound)
  --batch-lines N       lines per request (default 5000)
  --batch-bytes N       bytes per request (default 4194304)
  --progress SECONDS    progress line on standard error every SECONDS (default 10)
  --bearer-token TOKEN  sent as Authorization: Bearer, for endpoints that ask for one`;

const positiveInt = (name: string, text: string | undefined, dflt: number): number => {
  if (text === undefined) return dflt;
  const n = Number(text);
  if (!(Number.isFinite(n) && n > 0)) throw new UsageError(`--${name}: expected a positive number, got ${JSON.stringify(text)}`);
  return n;
};

/** `tidemark import`: exit 0 when everything (but skipped lines) was stored, 1 otherwise, 2 on usage. */
export async function runImportCommand(args: string[], io: { out: (l: string) => void; err: (l: string) => void }): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        url: { type: 'string' },
        format: { type: 'string', default: 'auto' },
        'csv-format': { type: 'string' },
        'skip-bad': { type: 'boolean', default: false },
        rate: { type: 'string' },
        'batch-lines': { type: 'string' },
        'batch-bytes': { type: 'string' },
        progress: { type: 'string' },
        'bearer-token': { type: 'string' },
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
  if (v.url === undefined) throw new UsageError('import: --url is required (where tidemark up or ingest listens)');
  if (!/^https?:\/\//.test(v.url)) throw new UsageError(`import: --url must start with http:// or https://, got ${JSON.stringify(v.url)}`);
  if (parsed.positionals.length === 0) throw new UsageError('import: name at least one file, or - for standard input');
  const format = v.format as ImportFileFormat | 'auto';
  if (!IMPORT_FORMATS.includes(format)) throw new UsageError(`import: --format must be one of ${IMPORT_FORMATS.join(', ')}`);
  if (format === 'csv' && v['csv-format'] === undefined) throw new UsageError('import: --format csv needs --csv-format SPEC');
  if (v['csv-format'] !== undefined && format !== 'auto' && format !== 'csv') throw new UsageError('import: --csv-format goes with --format csv');
  let summary: ImportSummary;
  try {
    summary = await runImport(
    {
      url: v.url,
      files: parsed.positionals,
      format: v['csv-format'] !== undefined ? 'csv' : format,
      csvFormat: v['csv-format'],
      skipBad: v['skip-bad'] === true,
      rate: v.rate === undefined ? 0 : positiveInt('rate', v.rate, 0),
      batchLines: positiveInt('batch-lines', v['batch-lines'], 5000),
      batchBytes: positiveInt('batch-bytes', v['batch-bytes'], 4 << 20),
      progressIntervalMs: positiveInt('progress', v.progress, 10) * 1000,
      headers: v['bearer-token'] === undefined ? {} : { authorization: `Bearer ${v['bearer-token']}` },
    },
    io.err,
  );
  } catch (err) {
    if (!(err instanceof InputError || err instanceof ImportRequestError)) throw err;
    io.err(`tidemark import: ${err.message}`);
    return 1;
  }
  const rate = summary.samples / Math.max(summary.seconds, 1e-3);
  if (summary.stoppedAt !== undefined) {
    const s = summary.stoppedAt;
    io.err(`${s.file}:${s.line}: ${s.reason}`);
    io.err(
      `import stopped at the first bad line (--skip-bad carries on); ${summary.samples} samples stored, the good lines of its batch included`,
    );
    return 1;
  }
  if (summary.badCount > 0) {
    for (const b of summary.bad) io.err(`${b.file}:${b.line}: ${b.reason}`);
    if (summary.badCount > summary.bad.length) io.err(`... and ${summary.badCount - summary.bad.length} more bad lines`);
  }
  io.out(
    `imported ${summary.samples} samples from ${summary.files} ${summary.files === 1 ? 'file' : 'files'} (${summary.lines} lines) in ${summary.seconds.toFixed(1)} s, ${formatRate(rate)} samples/s` +
      (summary.badCount > 0 ? `; skipped ${summary.badCount} bad lines` : ''),
  );
  return 0;
}
