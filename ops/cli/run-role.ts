import { pino, type Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import { ConfigError, formatProblem, type TidemarkConfig } from '../config/index.js';
import { HttpRouter } from '../server/http-router.js';
import { HttpServer, parseListenAddress, type ListenAddress } from '../server/http-server.js';
import { createMetricsRegistry } from '../server/metrics-registry.js';
import type { Service } from '../server/service.js';
import { WebSecurity } from '../server/web-security.js';
import { checkTenantsReload, Tenancy } from '../tenants/index.js';
import { shownConfigFromFlags } from './config-from-flags.js';
import { limitHeapGrowth } from './heap-growth.js';
import type { CommonFlags } from './flags.js';

/** What a role's composition gets to build its services from. */
export interface RoleContext {
  readonly role: string;
  readonly config: TidemarkConfig;
  readonly flags: CommonFlags;
  readonly log: Logger;
  readonly metrics: Registry;
  readonly router: HttpRouter;
  /** Where the role's HTTP listener is (bound before any service starts; `--listen :0` picks a port). */
  readonly address: () => ListenAddress | undefined;
  /** `https` when --web.config.file puts the listener on TLS. */
  readonly scheme: 'http' | 'https';
  /**
   * A service that fails for good (e.g. its consumer cannot rejoin its group) reports it here: the
   * role stops and the process exits non-zero, so a supervisor notices and restarts it.
   */
  readonly fail: (reason: Error) => void;
  /** Whether the last configuration (re)load succeeded and when the one in use was loaded. */
  readonly configStatus: ConfigStatus;
  /** With `tenants.enabled`: what confines the role's sinks and reads to the request's tenant. */
  readonly tenancy?: Tenancy;
}

/** Prometheus' reloadConfigSuccess / lastConfigTime, kept by the role's reload. */
export interface ConfigStatus {
  readonly lastReloadSuccessful: boolean;
  /** Unix ms of the last successful (re)load. */
  readonly lastSuccessMs: number;
}

export interface RoleDefinition {
  readonly name: string;
  /** Builds the role's services in start order; they are stopped in reverse. */
  build(ctx: RoleContext): Promise<Service[]>;
}

/** A running role: what tests and `tidemark up` hold on to. */
export interface RunningRole {
  readonly address: ListenAddress;
  readonly services: readonly Service[];
  /** Resolves with the reason when a service failed for good (see RoleContext.fail). */
  readonly failed: Promise<Error>;
  reload(): Promise<void>;
  stop(): Promise<void>;
}

/** startRole was asked to stop (SIGTERM) before every service had started. */
export class RoleStartAborted extends Error {
  override readonly name = 'RoleStartAborted';
}

/**
 * The process shell every role shares: configuration, logger, HTTP listener with `/metrics`,
 * `/-/healthy`, `/-/ready` and `/-/reload`, service lifecycle, SIGHUP reload. Throws ConfigError
 * before anything starts when the configuration is invalid.
 *
 * The listener is bound before the services start, so `/-/healthy` answers at once and a store
 * knows the address it announces; until every service has started, `/-/ready` and the role's
 * APIs answer 503.
 */
export async function startRole(
  def: RoleDefinition,
  flags: CommonFlags,
  opts: { readonly signal?: AbortSignal } = {},
): Promise<RunningRole> {
  const loaded = await shownConfigFromFlags(flags);
  const config = loaded.config;
  // The configuration in force as /api/v1/status/config shows it; replaced on a successful reload.
  let shownYaml = loaded.yaml;
  const log = pino({ level: flags.logLevel, base: { role: def.name } });
  const security = flags.webConfigFile === undefined ? undefined : await WebSecurity.load(flags.webConfigFile, log);
  const metrics = createMetricsRegistry(def.name);
  const router = new HttpRouter();
  const listener: { address?: ListenAddress } = {};
  let failure: Error | undefined;
  let reportFailure!: (reason: Error) => void;
  const failed = new Promise<Error>((resolve) => (reportFailure = resolve));
  const fail = (reason: Error): void => {
    if (failure !== undefined) return;
    failure = reason;
    log.error({ err: reason }, `${def.name} failed; stopping`);
    reportFailure(reason);
  };
  const configStatus = { lastReloadSuccessful: true, lastSuccessMs: Date.now() };
  const reloadGauges = configReloadGauges(metrics, configStatus);
  // With a Redis, the ingestion limits hold across the replicas of a role (tenants/redis-tenant-limits.ts).
  const sharedLimits = config.redis === undefined ? undefined : { redisUrl: config.redis.url, onError: (err: Error, what: string) => log.warn({ err, what }, 'tenant limits in Redis') };
  const tenancy = config.tenants.enabled ? new Tenancy(config.tenants, metrics, sharedLimits) : undefined;
  const ctx: RoleContext = { role: def.name, config, flags, log, metrics, router, address: () => listener.address, scheme: security?.tls === true ? 'https' : 'http', fail, configStatus, tenancy };
  const services = await def.build(ctx);
  let allStarted = false;

  const reload = async (): Promise<void> => {
    try {
      const next = flags.config !== undefined ? await shownConfigFromFlags(flags) : { config, yaml: shownYaml };
      // Checked before any service takes the new configuration: a refused reload changes nothing.
      checkTenantsReload(config.tenants, next.config.tenants);
      for (const s of services) await s.applyConfig?.(next.config);
      tenancy?.applyConfig(next.config.tenants);
      shownYaml = next.yaml;
    } catch (err) {
      configStatus.lastReloadSuccessful = false;
      reloadGauges.update();
      throw err;
    }
    configStatus.lastReloadSuccessful = true;
    configStatus.lastSuccessMs = Date.now();
    reloadGauges.update();
    log.info({ file: flags.config ?? '(embedded defaults)' }, 'configuration reloaded');
  };

  router
    .add(['GET', 'HEAD'], '/-/healthy', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('Tidemark is Healthy.\n');
    })
    .add(['GET', 'HEAD'], '/-/ready', (_req, res) => {
      const notReady = services.filter((s) => !allStarted || !s.ready()).map((s) => s.name);
      if (notReady.length === 0) res.writeHead(200).end('Tidemark is Ready.\n');
      else res.writeHead(503).end(`Service Unavailable: not ready: ${notReady.join(', ')}\n`);
    })
    .add(['PUT', 'POST'], '/-/reload', async (_req, res) => {
      try {
        await reload();
        res.writeHead(200).end();
      } catch (err) {
        log.error({ err }, 'configuration reload failed; keeping the previous one');
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`failed to reload config: ${describe(err)}\n`);
      }
    })
    .add('GET', '/api/v1/status/config', (_req, res) => {
      const body = JSON.stringify({ status: 'success', data: { yaml: shownYaml } });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    })
    .add('GET', '/metrics', async (_req, res) => {
      res.writeHead(200, { 'content-type': metrics.contentType }).end(await metrics.metrics());
    });

  const started: Service[] = [];
  // The process endpoints answer from the first moment; the role's APIs once its services run.
  const routed = tenancy === undefined ? router : tenancy.gate((req) => security?.authenticatedUser(req)).router(router);
  const http = new HttpServer(routed, log, (path) =>
    allStarted || path.startsWith('/-/') || path === '/metrics' ? undefined : `${def.name} is starting`,
    security,
  );
  let stopping = false;
  const stop = once(async () => {
    stopping = true;
    await http.close();
    for (const s of [...started].reverse()) {
      try {
        await s.stop();
      } catch (err) {
        log.error({ err, service: s.name }, 'service failed to stop cleanly');
      }
    }
    await tenancy?.close();
    log.info('stopped');
  });
  const address = await http.listen(parseListenAddress(flags.listen));
  listener.address = address;
  const shown = `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
  log.info({ address: shown, scheme: security?.tls === true ? 'https' : 'http' }, 'listening; starting services');
  try {
    for (const s of services) {
      await s.start();
      started.push(s);
      if (failure !== undefined) throw failure;
      if (opts.signal?.aborted) throw new RoleStartAborted(`${def.name} stopped while starting`);
    }
    allStarted = true;
    log.info({ address: shown, services: services.map((s) => s.name) }, `${def.name} started`);
    // A turn later: a readiness check waiting now is answered before the services' own work.
    setImmediate(() => {
      for (const s of services) if (!stopping) s.roleStarted?.();
    });
    return { address, services, failed, reload, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Runs a role until SIGTERM/SIGINT (exit 0, also when the signal comes while it starts) or until
 * one of its services fails for good (exit 1); SIGHUP reloads. Resolves with the exit code.
 */
export async function runRoleUntilSignalled(def: RoleDefinition, flags: CommonFlags): Promise<number> {
  limitHeapGrowth();
  const stopRequested = new AbortController();
  const onStopSignal = () => stopRequested.abort();
  process.once('SIGTERM', onStopSignal);
  process.once('SIGINT', onStopSignal);
  let running: RunningRole;
  try {
    running = await startRole(def, flags, { signal: stopRequested.signal });
  } catch (err) {
    if (err instanceof RoleStartAborted) return 0;
    if (err instanceof ConfigError) {
      process.stderr.write(`tidemark ${def.name}: invalid configuration ${err.file}:\n`);
      for (const p of err.problems) process.stderr.write(`  ${formatProblem(p)}\n`);
      return 2;
    }
    process.stderr.write(`tidemark ${def.name}: cannot start: ${describe(err)}\n`);
    return 1;
  }
  const onHup = () => {
    running.reload().catch((err: unknown) => process.stderr.write(`reload failed: ${describe(err)}\n`));
  };
  process.on('SIGHUP', onHup);
  const stopped = new Promise<undefined>((resolve) => {
    if (stopRequested.signal.aborted) resolve(undefined);
    stopRequested.signal.addEventListener('abort', () => resolve(undefined), { once: true });
  });
  const failure = await Promise.race([stopped, running.failed]);
  process.off('SIGHUP', onHup);
  await running.stop();
  if (failure === undefined) return 0;
  process.stderr.write(`tidemark ${def.name}: failed: ${describe(failure)}\n`);
  return 1;
}

function describe(err: unknown): string {
  if (err instanceof ConfigError) return err.problems.map(formatProblem).join('; ');
  return err instanceof Error ? err.message : String(err);
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= fn());
}

/** `tidemark_config_last_reload_successful` and its timestamp, as Prometheus exports them. */
function configReloadGauges(registry: Registry, status: ConfigStatus): { update(): void } {
  const ok = new Gauge({ name: 'tidemark_config_last_reload_successful', help: 'Whether the last configuration reload attempt was successful.', registers: [registry] });
  const at = new Gauge({ name: 'tidemark_config_last_reload_success_timestamp_seconds', help: 'Timestamp of the last successful configuration reload.', registers: [registry] });
  const update = (): void => {
    ok.set(status.lastReloadSuccessful ? 1 : 0);
    at.set(status.lastSuccessMs / 1000);
  };
  update();
  return { update };
}
