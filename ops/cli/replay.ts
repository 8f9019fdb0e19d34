import { parseArgs } from 'node:util';
import { parsePromDurationMs, RuleFileError } from '../../pipeline/alert/rules/index.js';
import { PrometheusHttpError } from '../replay/prometheus-http.js';
import { ReplaySettleError, runRuleReplay } from '../replay/rule-replay-run.js';
import { UsageError } from './flags.js';

export const REPLAY_USAGE = `Usage:
  tidemark replay --rules FILE... --from T --to T --url http://HOST:PORT [--dry-run] [flags]
      Evaluates rule files over history, as vmalert -replay does: every group at each multiple
      of its interval in [from, to], read through the query API of a running Tidemark (or any
      Prometheus-compatible server); recorded series and ALERTS / ALERTS_FOR_STATE are written
      back through its remote_write endpoint (/api/v1/write). Alerts are not notified.
      T is RFC 3339 (2026-12-04T10:00:00Z) or Unix seconds.

  --evaluation-interval D        interval of groups that have none (default 1m)
  --max-points-per-query N       instants per range query (default 1000)
  --settle-timeout D             wait at most D for a rule's output to be readable before the
                                 next rule runs (default 1m)
  --dry-run                      print what would be written; write nothing
  --progress SECONDS             progress line on standard error every SECONDS (default 10)
  --bearer-token TOKEN           sent as Authorization: Bearer`;

/** RFC 3339 or Unix seconds (fractions allowed), as Unix ms. */
export function parseReplayTime(flag: string, text: string | undefined): number {
  if (text === undefined) throw new UsageError(`replay: --${flag} is required (RFC 3339 or Unix seconds)`);
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const ms = /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) throw new UsageError(`replay: --${flag}: expected RFC 3339 or Unix seconds, got ${JSON.stringify(text)}`);
  return ms;
}

function duration(flag: string, text: string | undefined, dflt: number): number {
  if (text === undefined) return dflt;
  const ms = parsePromDurationMs(text);
  if (ms === undefined || ms <= 0) throw new UsageError(`replay: --${flag}: expected a duration such as 30s or 1m, got ${JSON.stringify(text)}`);
  return ms;
}

function positive(flag: string, text: string | undefined, dflt: number): number {
  if (text === undefined) return dflt;
  const n = Number(text);
  if (!(Number.isFinite(n) && n > 0)) throw new UsageError(`replay: --${flag}: expected a positive number, got ${JSON.stringify(text)}`);
  return n;
}

/** `tidemark replay`: 0 done, 1 failed (unreachable server, refused write, failed rules), 2 usage. */
export async function runReplayCommand(args: string[], io: { out: (l: string) => void; err: (l: string) => void }): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        rules: { type: 'string', multiple: true },
        from: { type: 'string' },
        to: { type: 'string' },
        url: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        'evaluation-interval': { type: 'string' },
        'max-points-per-query': { type: 'string' },
        'settle-timeout': { type: 'string' },
        progress: { type: 'string' },
        'bearer-token': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(`replay: ${(err as Error).message}`);
  }
  const v = parsed.values;
  if (v.help === true) {
    io.out(REPLAY_USAGE);
    return 0;
  }
  // `--rules a.yml b.yml`: the files after the first arrive as positionals.
  const ruleFiles = [...(v.rules ?? []), ...parsed.positionals];
  if (ruleFiles.length === 0) throw new UsageError(`replay: name rule files with --rules FILE...\n\n${REPLAY_USAGE}`);
  if (v.url === undefined) throw new UsageError('replay: --url is required (where tidemark listens: its query API and /api/v1/write)');
  if (!/^https?:\/\//.test(v.url)) throw new UsageError(`replay: --url must start with http:// or https://, got ${JSON.stringify(v.url)}`);
  const fromMs = parseReplayTime('from', v.from);
  const toMs = parseReplayTime('to', v.to);
  if (toMs < fromMs) throw new UsageError('replay: --to is before --from');
  const maxPoints = positive('max-points-per-query', v['max-points-per-query'], 1000);
  if (!Number.isInteger(maxPoints)) throw new UsageError('replay: --max-points-per-query: expected an integer');
  try {
    const r = await runRuleReplay(
      {
        url: v.url,
        ruleFiles,
        fromMs,
        toMs,
        dryRun: v['dry-run'] === true,
        evaluationIntervalMs: duration('evaluation-interval', v['evaluation-interval'], 60_000),
        maxPointsPerQuery: maxPoints,
        settleTimeoutMs: duration('settle-timeout', v['settle-timeout'], 60_000),
        progressIntervalMs: positive('progress', v.progress, 10) * 1000,
        bearerToken: v['bearer-token'],
      },
      io.err,
    );
    if (r.dryRun !== undefined) {
      io.out('dry run: nothing written; would write:');
      for (const [name, e] of [...r.dryRun.byName].sort(([a], [b]) => a.localeCompare(b))) {
        io.out(`  ${name}: ${e.series.size} series, ${e.samples} samples`);
        for (const s of e.first) io.out(`    ${formatLabels(s.labels)} ${s.value} @${new Date(s.t).toISOString()}`);
      }
    }
    const rate = r.evaluations / Math.max(r.seconds, 1e-3);
    io.out(
      `replayed ${r.evaluations} rule evaluations in ${r.seconds.toFixed(1)} s (${rate.toFixed(0)}/s): ${r.rangeQueries} range queries read ${r.samplesRead} samples, ` +
        `${r.dryRun === undefined ? 'wrote' : 'would write'} ${r.samplesWritten} samples` + (r.errors > 0 ? `; ${r.errors} evaluations failed` : ''),
    );
    return r.errors > 0 ? 1 : 0;
  } catch (err) {
    if (err instanceof RuleFileError) {
      io.err(`tidemark replay: ${err.message}`);
      return 2;
    }
    if (err instanceof PrometheusHttpError || err instanceof ReplaySettleError) {
      io.err(`tidemark replay: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

function formatLabels(l: Readonly<Record<string, string>>): string {
  const name = l['__name__'] ?? '';
  const rest = Object.entries(l).filter(([k]) => k !== '__name__').sort(([a], [b]) => a.localeCompare(b));
  return `${name}{${rest.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
}
