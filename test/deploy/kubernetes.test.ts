import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { runCli } from '../e2e/cli-process.js';
import { parseDockerfile } from './dockerfile.js';
import { cliVerdict, roleCommand } from './role-command.js';

const K8S = fileURLToPath(new URL('../../ops/deploy/kubernetes/', import.meta.url));
const DOCKERFILE = fileURLToPath(new URL('../../ops/deploy/Dockerfile', import.meta.url));

/** Model classes by apiVersion/kind: each validates against the official OpenAPI schema. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
};

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}
interface Container {
  name: string;
  args: string[];
  env?: Array<{ name: string }>;
  ports: Array<{ name?: string; containerPort: number }>;
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean };
  volumeMounts: Array<{ name: string; mountPath: string }>;
}
interface PodSpec {
  containers: Container[];
  volumes?: Array<{ name: string; configMap?: { name: string; items?: Array<{ key: string; path: string }> }; emptyDir?: object }>;
}
interface Workload extends Obj {
  spec: {
    selector: { matchLabels: Record<string, string> };
    serviceName?: string;
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
    volumeClaimTemplates?: Array<{ metadata: { name: string } }>;
  };
}
interface Svc extends Obj {
  spec: { clusterIP?: string; selector: Record<string, string>; ports: Array<{ name: string; port: number; targetPort: string | number }> };
}

let objects: Obj[];
let work: string;
beforeAll(async () => {
  const kustomization = parse(await readFile(join(K8S, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
  objects = [];
  for (const file of kustomization.resources) {
    for (const doc of parseAllDocuments(await readFile(join(K8S, file), 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.join('; ')}`);
      objects.push(doc.toJS() as Obj);
    }
  }
  work = await mkdtemp(join(tmpdir(), 'tidemark-k8s-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const ofKind = <T extends Obj>(kind: string) => objects.filter((o) => o.kind === kind) as T[];
const workloads = () => [...ofKind<Workload>('Deployment'), ...ofKind<Workload>('StatefulSet')];
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);
const roleOf = (w: Workload) => w.spec.template.spec.containers[0].args[0];

/** A pod's ConfigMap volumes written out as its first container sees them, under a temp root. */
async function podRoot(w: Workload): Promise<string> {
  const maps = new Map(ofKind<Obj>('ConfigMap').map((m) => [m.metadata.name, m.data ?? {}]));
  const pod = w.spec.template.spec;
  const root = join(work, w.metadata.name);
  for (const m of pod.containers[0].volumeMounts) {
    const source = pod.volumes?.find((v) => v.name === m.name)?.configMap;
    if (source === undefined) continue;
    const data = maps.get(source.name);
    expect(data, `${w.metadata.name}: ConfigMap ${source.name}`).toBeDefined();
    const items = source.items ?? Object.keys(data!).map((key) => ({ key, path: key }));
    for (const item of items) {
      expect(Object.keys(data!), `${source.name} key ${item.key}`).toContain(item.key);
      const file = join(root, posix.join(m.mountPath, item.path));
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, data![item.key]);
    }
  }
  return root;
}

describe('Kubernetes manifests', () => {
  it('list every manifest of the folder in kustomization.yaml', async () => {
    const kustomization = parse(await readFile(join(K8S, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
    const files = (await readdir(K8S)).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(files.sort());
  });

  it('validate against the Kubernetes and Prometheus Operator schemas', () => {
    expect(objects.length).toBeGreaterThan(8);
    for (const o of objects) {
      const Model = MODELS[`${o.apiVersion}/${o.kind}`];
      expect(Model, `${o.apiVersion} ${o.kind} has no schema here`).toBeDefined();
      expect(() => new Model(o as never).validate(), `${o.kind} ${o.metadata.name}`).not.toThrow();
    }
    // The validator is strict where the schema is: a wrong type is refused.
    const store = structuredClone(ofKind<Workload>('StatefulSet')[0]);
    (store.spec.template.spec.containers[0].ports[0] as { containerPort: unknown }).containerPort = 'http';
    expect(() => new StatefulSet(store as never).validate()).toThrow(/containerPort/);
  });

  it('run the stores as a StatefulSet with a volume claim per pod and the other roles as Deployments', () => {
    const [store, ...others] = ofKind<Workload>('StatefulSet');
    expect(others).toEqual([]);
    expect(roleOf(store)).toBe('store');
    const claim = store.spec.volumeClaimTemplates?.[0]?.metadata.name;
    const container = store.spec.template.spec.containers[0];
    const data = container.args[container.args.indexOf('--data') + 1];
    expect(container.volumeMounts.find((m) => m.name === claim)?.mountPath).toBe(data);
    const headless = ofKind<Svc>('Service').find((s) => s.metadata.name === store.spec.serviceName);
    expect(headless?.spec.clusterIP).toBe('None');
    // The address each store announces is its stable name under the headless Service.
    expect(container.args[container.args.indexOf('--advertise-address') + 1]).toBe(`$(POD_NAME).${store.spec.serviceName}:9090`);
    expect(ofKind<Workload>('Deployment').map(roleOf).sort()).toEqual(['ingest', 'notify', 'query', 'rules']);
  });

  it('start each role with flags the CLI accepts, probed on /-/healthy (liveness) and /-/ready (readiness)', async () => {
    for (const w of workloads()) {
      expect(matches(w.spec.selector.matchLabels, w.spec.template.metadata.labels), w.metadata.name).toBe(true);
      for (const c of w.spec.template.spec.containers) {
        // Kubernetes expands $(VAR) from the container's env before the program sees it.
        const defined = new Set((c.env ?? []).map((e) => e.name));
        const args = c.args.map((a) =>
          a.replace(/\$\((\w+)\)/g, (_, v: string) => {
            expect(defined, `${w.metadata.name} uses $(${v})`).toContain(v);
            return 'pod-0';
          }),
        );
        const verdict = await cliVerdict(roleCommand(args), { root: await podRoot(w) });
        expect(verdict.accepted, `${w.metadata.name}: ${args.join(' ')}\n${verdict.reason}`).toBe(true);
        const portNames = new Set<string | number>(c.ports.flatMap((p) => [p.containerPort, ...(p.name ? [p.name] : [])]));
        expect(c.livenessProbe?.httpGet?.path, w.metadata.name).toBe('/-/healthy');
        expect(c.readinessProbe?.httpGet?.path, w.metadata.name).toBe('/-/ready');
        expect(portNames).toContain(c.livenessProbe!.httpGet!.port);
        expect(portNames).toContain(c.readinessProbe!.httpGet!.port);
        // Every role listens on 9090 (the default --listen).
        expect(c.args).not.toContain('--listen');
        expect(c.ports.map((p) => p.containerPort)).toEqual([9090]);
      }
    }
  });

  it('run as the image’s non-root user with no privilege escalation and a read-only root file system', async () => {
    const user = parseDockerfile(await readFile(DOCKERFILE, 'utf8'))
      .stages.at(-1)!
      .instructions.filter((i) => i.keyword === 'USER')
      .at(-1)!.args;
    for (const w of workloads()) {
      for (const c of w.spec.template.spec.containers) {
        expect(c.securityContext, w.metadata.name).toMatchObject({
          runAsNonRoot: true,
          runAsUser: Number(user.split(':')[0]),
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
        });
        // With a read-only root, the data directory must be a volume.
        const data = c.args[c.args.indexOf('--data') + 1];
        expect(c.volumeMounts.map((m) => m.mountPath), w.metadata.name).toContain(data);
      }
    }
  });

  it('route every Service to pods that serve its target port, and the ServiceMonitor to every role', () => {
    const services = ofKind<Svc>('Service');
    for (const s of services) {
      const backends = workloads().filter((w) => matches(s.spec.selector, w.spec.template.metadata.labels));
      expect(backends.length, s.metadata.name).toBeGreaterThan(0);
      for (const p of s.spec.ports) {
        for (const w of backends) {
          const ports = w.spec.template.spec.containers.flatMap((c) => c.ports);
          expect(ports.some((cp) => cp.name === p.targetPort || cp.containerPort === p.targetPort), `${s.metadata.name} -> ${w.metadata.name}`).toBe(true);
        }
      }
    }
    const [monitor] = ofKind<Obj>('ServiceMonitor') as Array<Obj & { spec: { selector: { matchLabels: Record<string, string> }; endpoints: Array<{ port: string; path: string }> } }>;
    const monitored = services.filter((s) => matches(monitor.spec.selector.matchLabels, s.metadata.labels ?? {}));
    const roles = new Set(monitored.flatMap((s) => workloads().filter((w) => matches(s.spec.selector, w.spec.template.metadata.labels)).map(roleOf)));
    expect([...roles].sort()).toEqual(['ingest', 'notify', 'query', 'rules', 'store']);
    for (const e of monitor.spec.endpoints) {
      expect(e.path).toBe('/metrics');
      for (const s of monitored) expect(s.spec.ports.map((p) => p.name), s.metadata.name).toContain(e.port);
    }
  });

  it('mount a ConfigMap whose tidemark.yml, rules and alertmanager.yml pass tidemark check where the pods read them', async () => {
    const maps = new Map(ofKind<Obj>('ConfigMap').map((m) => [m.metadata.name, m.data ?? {}]));
    const configs = new Set<string>();
    for (const w of workloads()) {
      const c = w.spec.template.spec.containers[0];
      configs.add(join(await podRoot(w), c.args[c.args.indexOf('--config') + 1]));
    }
    const rulesRoot = join(work, 'tidemark-rules', 'etc/tidemark');
    const [config, rules, am] = await Promise.all([
      runCli(['check', 'config', ...configs]),
      runCli(['check', 'rules', join(rulesRoot, 'rules/tidemark.yml')]),
      runCli(['check', 'alertmanager', join(rulesRoot, 'alertmanager.yml')]),
    ]);
    expect(config.code, config.stdout + config.stderr).toBe(0);
    expect(config.stdout.match(/SUCCESS/g)).toHaveLength(configs.size);
    expect(rules.code, rules.stdout + rules.stderr).toBe(0);
    expect(am.code, am.stdout + am.stderr).toBe(0);

    // Alerts go to the notifiers' Service.
    const cfg = parse(maps.get('tidemark-config')!['tidemark.yml']) as { alerting: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> } };
    const notify = ofKind<Svc>('Service').find((s) => workloads().some((w) => roleOf(w) === 'notify' && matches(s.spec.selector, w.spec.template.metadata.labels)))!;
    expect(cfg.alerting.alertmanagers[0].static_configs[0].targets).toEqual([`${notify.metadata.name}:${notify.spec.ports[0].port}`]);
  });
});
