#!/usr/bin/env node
/**
 * `tidemark <role>`: the only composition root. Each role is built in its own file; this one
 * dispatches, turns errors into exit codes (0 ok, 1 failure, 2 invalid configuration or usage)
 * and is the only place that calls process.exit.
 */
import { TIDEMARK_VERSION } from '../server/version.js';
import { COMMON_FLAG_HELP, UsageError, parseFlags } from './flags.js';
import type { RoleDefinition } from './run-role.js';
import { ConfigError, formatProblem } from '../config/errors.js';
import { keepStringMethodsFast } from '../../schemas/exposition/index.js';

/**
 * Each role's code is loaded when that role runs: loading every role (the configuration schema,
 * the bus clients, the TSDB, the web UI) took 0.8 CPU-s, which one-shot commands such as
 * `tidemark replay` and `tidemark import` paid on every run.
 */
async function loaded<T>(module: Promise<T>): Promise<T> {
  const m = await module;
  // A library that subclasses String slows every string method down (see fast-string-methods.ts);
  // ioredis, which does, is loaded with a role's first Redis client (schemas/redis-client.ts).
  keepStringMethodsFast();
  return m;
}

const ROLES: Readonly<Record<string, string>> = {
  up: 'everything in one process on the embedded defaults',
  ingest: 'connectors: scrape loops and the push endpoints',
  store: 'TSDB shard worker for its assigned partitions',
  query: 'Prometheus HTTP API over every shard',
  rules: 'streaming rule evaluation',
  notify: 'Alertmanager-compatible notifier',
  replay: 'rules over history (--rules), or a consumer group rewound on the bus (--group)',
  import: 'import historical files with their timestamps',
  tail: 'print decoded records of a topic',
  check: 'validate files: check config|rules|metrics|alertmanager',
  'promql-test': 'run PromQL test files',
};

/** Long-running roles available in this build. */
const RUNNABLE: Readonly<Record<string, () => Promise<RoleDefinition>>> = {
  up: async () => (await loaded(import('./up.js'))).upRole,
  ingest: async () => (await loaded(import('./ingest.js'))).ingestRole,
  store: async () => (await loaded(import('./store.js'))).storeRole,
  query: async () => (await loaded(import('./query.js'))).queryRole,
  notify: async () => (await loaded(import('./notify.js'))).notifyRole,
  rules: async () => (await loaded(import('./rules.js'))).rulesRole,
};

function usage(): string {
  const width = Math.max(...Object.keys(ROLES).map((r) => r.length));
  return [
    `tidemark ${TIDEMARK_VERSION}: a Prometheus-compatible monitoring pipeline on a message bus`,
    '',
    'Usage: tidemark <role> [flags]',
    '',
    'Roles:',
    ...Object.entries(ROLES).map(([r, d]) => `  ${r.padEnd(width)}  ${d}`),
    '',
    COMMON_FLAG_HELP,
  ].join('\n');
}

const out = (line: string) => process.stdout.write(line + '\n');
const err = (line: string) => process.stderr.write(line + '\n');

async function main(argv: string[]): Promise<number> {
  const [role, ...args] = argv;
  if (role === undefined || role === '--help' || role === '-h' || role === 'help') {
    out(usage());
    return role === undefined ? 2 : 0;
  }
  if (role === '--version' || role === 'version') {
    out(`tidemark ${TIDEMARK_VERSION} (node ${process.version})`);
    return 0;
  }
  if (!(role in ROLES)) {
    err(`tidemark: unknown role ${JSON.stringify(role)}\n\n${usage()}`);
    return 2;
  }
  switch (role) {
    case 'check':
      return runCheck(args);
    case 'tail':
      return runTail(args);
    case 'promql-test':
      return (await loaded(import('./promql-test.js'))).runPromqlTest(args, out);
    case 'import':
      return (await loaded(import('./import.js'))).runImportCommand(args, { out, err });
    case 'replay':
      return (await loaded(import('./replay.js'))).runReplayCommand(args, { out, err });
  }
  const load = RUNNABLE[role];
  if (load === undefined) {
    err(`tidemark ${role}: this role is not available in this build yet (${ROLES[role]}); run \`tidemark up\` for what exists`);
    return 1;
  }
  const flags = parseFlags(args);
  if (flags.help) {
    out(`Usage: tidemark ${role} [flags]\n\n${COMMON_FLAG_HELP}`);
    return 0;
  }
  if ((flags.common.rebuild !== undefined || flags.common.rebuildForce === true) && role !== 'store' && role !== 'up') {
    throw new UsageError(`--rebuild: only store and up hold shards, not ${role}`);
  }
  const { runRoleUntilSignalled } = await loaded(import('./run-role.js'));
  return runRoleUntilSignalled(await load(), flags.common);
}

async function runCheck(args: string[]): Promise<number> {
  const [what, ...rest] = args;
  const flags = parseFlags(rest, { openmetrics: { type: 'boolean' } });
  const { checkAlertmanagerFiles, checkConfigFiles, checkMetricsText, checkRuleFiles } = await loaded(import('./check.js'));
  switch (what) {
    case 'config':
    case 'rules':
    case 'alertmanager': {
      if (flags.positionals.length === 0) throw new UsageError(`check ${what}: name at least one file`);
      const check = { config: checkConfigFiles, rules: checkRuleFiles, alertmanager: checkAlertmanagerFiles }[what];
      return check(flags.positionals, { out, err });
    }
    case 'metrics':
      return checkMetricsText(await readStdin(), flags.extra.openmetrics === true, { out, err });
    default:
      err(`tidemark check: ${what === undefined ? 'missing' : 'unknown'} check ${what ?? ''} (available: config, rules, alertmanager, metrics)`);
      return 2;
  }
}

async function runTail(args: string[]): Promise<number> {
  const flags = parseFlags(args, {
    topic: { type: 'string', default: 'tidemark.samples' },
    from: { type: 'string', default: 'latest' },
    limit: { type: 'string' },
    'to-end': { type: 'boolean' },
  });
  if (flags.help) {
    out(`Usage: tidemark tail --topic T [--from earliest|latest|OFFSET|@TIME] [--limit N] [--to-end]\n\n${COMMON_FLAG_HELP}`);
    return 0;
  }
  const [{ pino }, { configFromFlags }, { busFromConfig }, { parseStartPosition, tailTopic }] = await loaded(Promise.all([
    import('pino'), import('./config-from-flags.js'), import('./bus-from-config.js'), import('./tail.js'),
  ]));
  const cfg = await configFromFlags(flags.common);
  const log = pino({ level: flags.common.logLevel }, pino.destination(2));
  const bus = await busFromConfig(cfg, flags.common.data, log);
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  process.once('SIGTERM', () => ac.abort());
  try {
    const limit = flags.extra.limit === undefined ? undefined : Number(flags.extra.limit);
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new UsageError('--limit: expected a positive integer');
    await tailTopic(
      bus,
      {
        topic: String(flags.extra.topic),
        from: parseStartPosition(String(flags.extra.from)),
        limit,
        untilEnd: flags.extra['to-end'] === true,
        signal: ac.signal,
      },
      out,
    );
  } finally {
    await bus.close();
  }
  return 0;
}

/**
 * Exits once stdout and stderr have handed everything written to the OS: on Linux a pipe is
 * written asynchronously, and `process.exit` with writes pending cuts the output short (a
 * `tail --to-end` piped into a slow reader lost its last records).
 */
function exitFlushed(code: number): void {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

main(process.argv.slice(2)).then(
  (code) => exitFlushed(code),
  (e: unknown) => {
    if (e instanceof UsageError || e instanceof RangeError) {
      err(`tidemark: ${e.message}`);
      exitFlushed(2);
      return;
    }
    if (e instanceof ConfigError) {
      err(`tidemark: invalid configuration ${e.file}:`);
      for (const p of e.problems) err(`  ${formatProblem(p)}`);
      exitFlushed(2);
      return;
    }
    err(`tidemark: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    exitFlushed(1);
  },
);

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
