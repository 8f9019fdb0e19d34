import { parseArgs } from 'node:util';
import type { StartPosition } from '../../pipeline/bus/bus.js';
import type { GroupOffsetMove } from '../replay/group-offset-reset.js';
// The rule modules themselves, not the rules index: it brings the streaming evaluator, the bus and the query engine.
import { parsePromDurationMs } from '../../pipeline/alert/rules/prom-duration.js';
import { RuleFileError } from '../../pipeline/alert/rules/errors.js';
import { PrometheusHttpError } from '../replay/prometheus-http.js';
import { ReplayProgressBar, ReplayProgressLog } from '../replay/replay-progress.js';
import { DRY_RUN_EVENTS_LISTED, ReplayNotifyError, ReplaySettleError, runRuleReplay } from '../replay/rule-replay-run.js';
import { COMMON_FLAG_HELP, parseFlags, UsageError } from './flags.js';
import { CREDENTIAL_FLAG_HELP, CREDENTIAL_OPTIONS, credentialHeaders } from './http-credentials.js';

export const REPLAY_USAGE = `Usage:
  tidemark replay --rules FILE... --from T --to T --url http://HOST:PORT [--dry-run] [flags]
      Evaluates rule files over history, as vmalert -replay does: every group at each multiple
      of its interval in [from, to], read through the query API of a running Tidemark (or any
      Prometheus-compatible server); recorded series and ALERTS / ALERTS_FOR_STATE are written
      back as series runs (/api/v1/import/series-runs; to a server without it, through its
      remote_write endpoint, /api/v1/write), and the alert state changes to a
      Tidemark's alerts topic through /api/v1/alert_history/replayed, marked replayed (a server
      without it is told once, and the replay goes on). Alerts are not notified.
      T is RFC 3339 (2026-12-04T10:00:00Z) or Unix seconds.
      With --kafka (or a --config whose bus is Kafka), the output goes to the samples topic
      instead, and the alert state changes to the alerts topic, each record with the header
      tidemark-replayed (the notifiers never see them); reads still go to --url.

  --kafka BROKERS                write to the samples and alerts topics on these brokers
  --config FILE                  tidemark.yml: the bus, topic names, alerting.alertmanagers
  --notify                       also send the alerts still firing at --to to every
                                 alerting.alertmanagers target of --config (off by default)
  --listen HOST:PORT             serve /metrics (tidemark_replay_*) while the replay runs
  --evaluation-interval D        interval of groups that have none (default 1m)
  --max-points-per-query N       instants per range query (default 1000)
  --settle-timeout D             wait at most D for a rule's output to be readable before the
                                 next rule runs (default 1m)
  --dry-run                      print what would be written; write nothing
  --progress SECONDS             when standard error is not a terminal: a JSON progress line every
                                 SECONDS (default 10); on a terminal a progress bar is drawn instead

  Who the replay reads and writes for, at --url (with tenants.enabled, a tenant's replay reads
  that tenant's series and writes its output as that tenant's):
${CREDENTIAL_FLAG_HELP}

  tidemark replay --group G --topic T --to-time T|--to-offset N [--dry-run] [--kafka BROKERS | --config FILE] [--data DIR]
      Moves consumer group G's committed offsets on topic T, per partition, to the first record
      at or after time T (or to offset N, the same on every partition): its members read from
      there when they next start. Refused while the group has running members. On the embedded
      bus, --data names the directory of a stopped \`tidemark up\`.

  --dry-run                      print where each partition would go; move nothing`;

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
  if (args.some((a) => a === '--group' || a.startsWith('--group='))) return runGroupReplay(args, io);
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
        ...CREDENTIAL_OPTIONS,
        kafka: { type: 'string' },
        config: { type: 'string' },
        notify: { type: 'boolean', default: false },
        listen: { type: 'string' },
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
  if (ruleFiles.length === 0) throw new UsageError(`replay: name rule files with --rules FILE..., or a consumer group with --group G\n\n${REPLAY_USAGE}`);
  if (v.url === undefined) throw new UsageError('replay: --url is required (where tidemark listens: its query API and /api/v1/write)');
  if (!/^https?:\/\//.test(v.url)) throw new UsageError(`replay: --url must start with http:// or https://, got ${JSON.stringify(v.url)}`);
  const fromMs = parseReplayTime('from', v.from);
  const toMs = parseReplayTime('to', v.to);
  if (toMs < fromMs) throw new UsageError('replay: --to is before --from');
  const maxPoints = positive('max-points-per-query', v['max-points-per-query'], 1000);
  if (!Number.isInteger(maxPoints)) throw new UsageError('replay: --max-points-per-query: expected an integer');
  const headers = credentialHeaders('replay', v);
  // The bus takes no tenant: output written to it straight would not carry the tenant's label.
  if (v.tenant !== undefined && (v.kafka !== undefined || v.config !== undefined)) {
    throw new UsageError('replay: --tenant writes through --url (which puts the tenant label on); leave out --kafka and --config');
  }
  const dryRun = v['dry-run'] === true;
  const progressMs = positive('progress', v.progress, 10) * 1000;
  const tty = process.stderr.isTTY === true;
  const wantsOutputs = v.kafka !== undefined || v.config !== undefined || v.notify === true || v.listen !== undefined;
  const outputs = wantsOutputs
    ? await (await import('./replay-outputs.js')).openReplayOutputs({ kafka: v.kafka, config: v.config, notify: v.notify === true, listen: v.listen, dryRun })
    : undefined;
  try {
    const r = await runRuleReplay(
      {
        ...outputs?.options,
        reporter: tty ? new ReplayProgressBar((t) => process.stderr.write(t)) : new ReplayProgressLog(io.err, progressMs),
        url: v.url,
        ruleFiles,
        fromMs,
        toMs,
        dryRun,
        evaluationIntervalMs: duration('evaluation-interval', v['evaluation-interval'], 60_000),
        maxPointsPerQuery: maxPoints,
        settleTimeoutMs: duration('settle-timeout', v['settle-timeout'], 60_000),
        progressIntervalMs: tty ? 200 : Math.min(progressMs, 1000),
        headers,
      },
      io.err,
    );
    if (r.dryRun !== undefined) {
      io.out('dry run: nothing written; would write:');
      for (const [name, e] of [...r.dryRun.byName].sort(([a], [b]) => a.localeCompare(b))) {
        io.out(`  ${name}: ${e.series.size} series, ${e.samples} samples`);
        for (const s of e.first) io.out(`    ${formatLabels(s.labels)} ${s.value} @${new Date(s.t).toISOString()}`);
      }
      if (r.alertEvents > 0) {
        io.out(`  alert state changes: ${r.alertEvents}`);
        for (const e of r.dryRun.alertEvents) io.out(`    ${new Date(e.at).toISOString()} ${formatLabels(e.labels)} ${e.from} -> ${e.to} (group ${e.group})`);
        if (r.alertEvents > DRY_RUN_EVENTS_LISTED) io.out(`    ... and ${r.alertEvents - DRY_RUN_EVENTS_LISTED} more`);
      }
    }
    const rate = r.evaluations / Math.max(r.seconds, 1e-3);
    io.out(
      `replayed ${r.evaluations} rule evaluations in ${r.seconds.toFixed(1)} s (${rate.toFixed(0)}/s): ${r.rangeQueries} range queries read ${r.samplesRead} samples, ` +
        `${r.dryRun === undefined ? 'wrote' : 'would write'} ${r.samplesWritten} samples` +
        (outputs?.alertsTopic !== undefined ? `, ${r.alertEvents} alert state changes to ${outputs.alertsTopic} (marked replayed)` : '') +
        (r.alertHistoryOverHttp?.unsupported === false ? `, ${r.alertHistoryOverHttp.sent} alert state changes to its alert history (marked replayed)` : '') +
        (r.errors > 0 ? `; ${r.errors} evaluations failed` : '') +
        ` (${(r.queryMs / 1000).toFixed(1)} s in range queries, ${(r.writeMs / 1000).toFixed(1)} s writing)`,
    );
    return r.errors > 0 ? 1 : 0;
  } catch (err) {
    if (err instanceof RuleFileError) {
      io.err(`tidemark replay: ${err.message}`);
      return 2;
    }
    if (err instanceof PrometheusHttpError || err instanceof ReplaySettleError || err instanceof ReplayNotifyError) {
      io.err(`tidemark replay: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    await outputs?.close();
  }
}

function formatLabels(l: Readonly<Record<string, string>>): string {
  const name = l['__name__'] ?? '';
  const rest = Object.entries(l).filter(([k]) => k !== '__name__').sort(([a], [b]) => a.localeCompare(b));
  return `${name}{${rest.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
}

/** `tidemark replay --group`: 0 moved (or planned), 1 refused or failed, 2 usage. */
async function runGroupReplay(args: string[], io: { out: (l: string) => void; err: (l: string) => void }): Promise<number> {
  const flags = parseFlags(args, {
    group: { type: 'string' },
    topic: { type: 'string' },
    'to-time': { type: 'string' },
    'to-offset': { type: 'string' },
    'dry-run': { type: 'boolean' },
  });
  if (flags.help) {
    io.out(`${REPLAY_USAGE}\n\n${COMMON_FLAG_HELP}`);
    return 0;
  }
  const x = flags.extra;
  const group = x.group === undefined ? '' : String(x.group);
  const topic = x.topic === undefined ? '' : String(x.topic);
  if (group === '') throw new UsageError('replay: --group needs a consumer group name');
  if (topic === '') throw new UsageError('replay: --group needs --topic (e.g. tidemark.samples)');
  if ((x['to-time'] === undefined) === (x['to-offset'] === undefined)) throw new UsageError('replay: give one of --to-time T or --to-offset N');
  let to: StartPosition;
  if (x['to-time'] !== undefined) to = { timestampMs: parseReplayTime('to-time', String(x['to-time'])) };
  else {
    const n = Number(x['to-offset']);
    if (!(Number.isSafeInteger(n) && n >= 0)) throw new UsageError(`replay: --to-offset: expected a non-negative integer, got ${JSON.stringify(x['to-offset'])}`);
    to = { offset: n };
  }
  // Loaded here, not with the module: the configuration schema and the bus clients cost a rule
  // replay, which needs neither, half a CPU-second at start.
  const [{ pino }, { configFromFlags }, { busFromConfig }, { GroupHasMembersError, planGroupReset, ReplayTimeBeforeLogError, resetGroupOffsets, TopicNotFoundError }] = await Promise.all([
    import('pino'), import('./config-from-flags.js'), import('./bus-from-config.js'), import('../replay/group-offset-reset.js'),
  ]);
  const cfg = await configFromFlags(flags.common);
  const log = pino({ level: flags.common.logLevel === 'info' ? 'warn' : flags.common.logLevel }, pino.destination(2));
  let bus;
  try {
    bus = await busFromConfig(cfg, flags.common.data, log);
  } catch (err) {
    // The embedded bus of a running tidemark is locked: that is the group's running member.
    const e = err instanceof Error ? err : new Error(String(err));
    if (e.name === 'DataDirLockedError') {
      io.err(`tidemark replay: ${new GroupHasMembersError(group, topic, e).message}`);
      return 1;
    }
    throw err;
  }
  try {
    const dry = x['dry-run'] === true;
    const moves = dry ? await planGroupReset(bus, group, topic, to) : await resetGroupOffsets(bus, group, topic, to);
    io.out(`${dry ? 'dry run: would move' : 'moved'} group ${group} on ${topic}:`);
    for (const m of moves) io.out(`  partition ${m.partition}: ${formatOffset(m.from)} -> ${m.to}`);
    return 0;
  } catch (err) {
    if (err instanceof GroupHasMembersError || err instanceof TopicNotFoundError || err instanceof ReplayTimeBeforeLogError) {
      io.err(`tidemark replay: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    await bus.close();
  }
}

function formatOffset(o: GroupOffsetMove['from']): string {
  return o < 0 ? '(none)' : String(o);
}
