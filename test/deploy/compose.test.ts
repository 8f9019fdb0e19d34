import { cp, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../e2e/cli-process.js';
import { parseDockerfile } from './dockerfile.js';
import { cliVerdict, roleCommand } from './role-command.js';

const DEPLOY = fileURLToPath(new URL('../../ops/deploy/', import.meta.url));
const COMPOSE = join(DEPLOY, 'compose.yaml');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string | number>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
}

let compose: ComposeFile;
let work: string;
beforeAll(async () => {
  // Compose merges `<<: *anchor` keys (YAML 1.1 merge), so read it the same way.
  compose = parse(await readFile(COMPOSE, 'utf8'), { merge: true }) as ComposeFile;
  work = await mkdtemp(join(tmpdir(), 'tidemark-compose-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const services = () => Object.entries(compose.services);
/** Services running the Tidemark image built from ops/deploy/Dockerfile. */
const tidemarkServices = () =>
  services().filter(([, s]) => s.build !== undefined && resolve(DEPLOY, s.build.context, s.build.dockerfile) === join(DEPLOY, 'Dockerfile'));

interface Mount {
  readonly source: string;
  readonly target: string;
  readonly bind: boolean;
}
function mounts(s: Service): Mount[] {
  return (s.volumes ?? []).map((v) => {
    const [source, target] = v.split(':');
    const bind = source.startsWith('.') || source.startsWith('/');
    return { source: bind && !source.startsWith('/') ? resolve(DEPLOY, source) : source, target, bind };
  });
}

/** A service's configuration files laid out as the container sees them, under a temp root. */
async function containerRoot(name: string, s: Service): Promise<string> {
  const root = join(work, name);
  for (const m of mounts(s).filter((x) => x.bind)) {
    await mkdir(dirname(join(root, m.target)), { recursive: true });
    await cp(m.source, join(root, m.target), { recursive: true });
  }
  return root;
}

const hostPort = (address: string) => {
  const m = /^(?:[a-z]+:\/\/)?([^:/]+):(\d+)/.exec(address);
  if (!m) throw new Error(`not host:port: ${address}`);
  return { host: m[1], port: Number(m[2]) };
};

describe('compose.yaml', () => {
  it('runs the whole distributed deployment: Kafka (KRaft), Redis, NATS JetStream, every role, node_exporter, Grafana', () => {
    const names = Object.keys(compose.services);
    for (const n of ['kafka', 'redis', 'nats', 'node-exporter', 'grafana']) expect(names).toContain(n);
    expect(compose.services.kafka.image).toMatch(/^apache\/kafka:/);
    expect(String(compose.services.kafka.environment?.KAFKA_PROCESS_ROLES)).toContain('controller');
    expect(compose.services.nats.command).toContain('-js');
    const roles = tidemarkServices().map(([, s]) => s.command![0]);
    expect(roles.sort()).toEqual(['ingest', 'notify', 'notify', 'query', 'rules', 'store', 'store']);
  });

  it('starts every Tidemark service with a role and flags the CLI accepts', async () => {
    const list = tidemarkServices();
    // Each command is parsed, and its --config loaded with the flags over it, from the files the container has mounted.
    const verdicts = await Promise.all(list.map(async ([name, s]) => cliVerdict(roleCommand(s.command!), { root: await containerRoot(name, s) })));
    list.forEach(([name, s], i) => expect(verdicts[i].accepted, `${name}: ${s.command!.join(' ')}\n${verdicts[i].reason}`).toBe(true));
    // The check can fail on a value the configuration refuses, not only on an unknown flag.
    const [name, store] = list.find(([, s]) => s.command![0] === 'store')!;
    const bad = store.command!.map((a) => (a === `${name}:9090` ? `${name}` : a));
    expect((await cliVerdict(roleCommand(bad), { root: await containerRoot(name, store) })).reason).toMatch(/advertise_address/);
  });

  it('gives each store its own volume and advertises it under its service name', () => {
    const stores = tidemarkServices().filter(([, s]) => s.command![0] === 'store');
    const volumes = new Set<string>();
    for (const [name, s] of stores) {
      const data = s.command![s.command!.indexOf('--data') + 1];
      const volume = mounts(s).find((m) => m.target === data);
      expect(volume?.bind, name).toBe(false);
      expect(Object.keys(compose.volumes)).toContain(volume!.source);
      volumes.add(volume!.source);
      expect(s.command![s.command!.indexOf('--advertise-address') + 1]).toBe(`${name}:9090`);
    }
    expect(volumes.size).toBe(stores.length);
  });

  it('depends only on services that exist, and waits for health only where there is a health check', async () => {
    const dockerfile = parseDockerfile(await readFile(join(DEPLOY, 'Dockerfile'), 'utf8'));
    const imageHasHealthcheck = dockerfile.stages.at(-1)!.instructions.some((i) => i.keyword === 'HEALTHCHECK');
    const tidemark = new Set(tidemarkServices().map(([n]) => n));
    let healthy = 0;
    for (const [name, s] of services()) {
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        expect(Object.keys(compose.services), `${name} depends on ${dep}`).toContain(dep);
        expect(['service_started', 'service_healthy']).toContain(condition);
        if (condition === 'service_healthy') {
          healthy++;
          const has = compose.services[dep].healthcheck !== undefined || (tidemark.has(dep) && imageHasHealthcheck);
          expect(has, `${name} waits for ${dep} to be healthy, which has no health check`).toBe(true);
        }
      }
      if (s.healthcheck) expect(['CMD', 'CMD-SHELL']).toContain(s.healthcheck.test[0]);
    }
    expect(healthy).toBeGreaterThan(0);
  });

  it('mounts files that exist, and the configuration each role reads passes tidemark check', async () => {
    for (const [name, s] of services()) {
      for (const m of mounts(s).filter((x) => x.bind && !x.source.startsWith('/') && x.source !== '/')) {
        await expect(stat(m.source), `${name}: ${m.source}`).resolves.toBeDefined();
      }
      for (const m of mounts(s).filter((x) => !x.bind)) expect(Object.keys(compose.volumes), name).toContain(m.source);
    }
    const configs: string[] = [];
    for (const [name, s] of tidemarkServices()) {
      const root = await containerRoot(name, s);
      configs.push(join(root, s.command![s.command!.indexOf('--config') + 1]));
    }
    const check = await runCli(['check', 'config', ...configs]);
    expect(check.code, `${check.stdout}${check.stderr}`).toBe(0);
    expect(check.stdout.match(/SUCCESS/g)).toHaveLength(configs.length);
    // The roles that read the rule files and the notifier configuration have them mounted where the config points.
    const rules = compose.services.rules;
    const root = join(work, 'rules');
    const [ruleCheck, amCheck] = await Promise.all([
      runCli(['check', 'rules', join(root, 'etc/tidemark/rules/tidemark.yml')]),
      runCli(['check', 'alertmanager', join(root, 'etc/tidemark/alertmanager.yml')]),
    ]);
    expect(rules.command![0]).toBe('rules');
    expect(ruleCheck.code, ruleCheck.stderr).toBe(0);
    expect(amCheck.code, amCheck.stderr).toBe(0);
    const notifyRoot = join(work, 'notify-0');
    await expect(stat(join(notifyRoot, 'etc/tidemark/alertmanager.yml'))).resolves.toBeDefined();
  });

  it('has tidemark.yml point at the Compose services: Kafka, Redis, the notifiers and the scrape targets', async () => {
    const cfg = parse(await readFile(join(DEPLOY, 'tidemark.distributed.yml'), 'utf8')) as {
      bus: { type: string; kafka: { brokers: string[] } };
      redis: { url: string };
      alerting: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> };
      scrape_configs: Array<{ static_configs: Array<{ targets: string[] }> }>;
    };
    const advertised = String(compose.services.kafka.environment?.KAFKA_ADVERTISED_LISTENERS);
    expect(cfg.bus.type).toBe('kafka');
    for (const b of cfg.bus.kafka.brokers) expect(advertised).toContain(`://${b}`);
    expect(Object.keys(compose.services)).toContain(hostPort(cfg.redis.url).host);

    const notifiers = cfg.alerting.alertmanagers.flatMap((a) => a.static_configs.flatMap((c) => c.targets));
    const notifyServices = tidemarkServices().filter(([, s]) => s.command![0] === 'notify').map(([n]) => `${n}:9090`);
    expect(notifiers.sort()).toEqual(notifyServices.sort());

    const tidemark = new Set(tidemarkServices().map(([n]) => n));
    for (const target of cfg.scrape_configs.flatMap((j) => j.static_configs.flatMap((c) => c.targets))) {
      const { host, port } = hostPort(target);
      expect(Object.keys(compose.services), target).toContain(host);
      if (tidemark.has(host)) expect(port, target).toBe(9090);
    }
    // Every Tidemark service is scraped.
    const scraped = new Set(cfg.scrape_configs.flatMap((j) => j.static_configs.flatMap((c) => c.targets.map((t) => hostPort(t).host))));
    for (const n of tidemark) expect(scraped, n).toContain(n);
  });

  it('provisions Grafana with Tidemark query as the Prometheus data source and the dashboards of ops/dashboards', async () => {
    const grafana = compose.services.grafana;
    const root = await containerRoot('grafana', grafana);
    const ds = parse(await readFile(join(root, 'etc/grafana/provisioning/datasources/tidemark.yml'), 'utf8')) as {
      datasources: Array<{ type: string; url: string; uid: string }>;
    };
    expect(ds.datasources).toHaveLength(1);
    expect(ds.datasources[0].type).toBe('prometheus');
    const { host, port } = hostPort(ds.datasources[0].url);
    expect(compose.services[host]?.command?.[0]).toBe('query');
    expect(port).toBe(9090);

    const providers = parse(await readFile(join(root, 'etc/grafana/provisioning/dashboards/tidemark.yml'), 'utf8')) as {
      providers: Array<{ type: string; options: { path: string } }>;
    };
    const dashboard = JSON.parse(await readFile(join(root, providers.providers[0].options.path, 'tidemark.json'), 'utf8')) as {
      panels: Array<{ type: string; datasource?: { uid: string } }>;
      templating: { list: Array<{ name: string; type: string; query: string; current: { value: string } }> };
    };
    // The panels read the dashboard's data source variable, which defaults to the provisioned data source.
    const variable = dashboard.templating.list.find((v) => v.type === 'datasource');
    expect(variable?.query).toBe('prometheus');
    expect(variable?.current.value).toBe(ds.datasources[0].uid);
    const graphs = dashboard.panels.filter((p) => p.type !== 'row');
    expect(graphs.length).toBeGreaterThan(0);
    for (const p of graphs) expect(p.datasource?.uid).toBe(`\${${variable!.name}}`);
  });
});
