import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedBus } from '../../pipeline/bus/embedded/index.js';
import { KafkaBus } from '../../pipeline/bus/kafka/index.js';
import { encodeSampleBatch } from '../../schemas/index.js';
import { createKafkaTopic, kafkaBrokers, mockKafkaBusSettings, testNamespace } from '../harness/index.js';
import { CLI, runCli, startCli } from './cli-process.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tidemark-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tidemark command', () => {
  it('lists the roles with --help and exits 2 without a role', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const role of ['up', 'ingest', 'store', 'query', 'rules', 'notify', 'replay', 'import', 'tail', 'check', 'promql-test']) {
      expect(help.stdout).toContain(`  ${role} `);
    }
    expect((await runCli([])).code).toBe(2);
  });

  it('rejects an unknown role with status 2', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown role "frobnicate"');
  });

  it('rejects an unknown flag with status 2 naming it', async () => {
    const r = await runCli(['up', '--no-such-flag']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--no-such-flag');
  });
});

describe('tidemark check config', () => {
  it('accepts a valid file and exits 0', async () => {
    const file = join(dir, 'good.yml');
    await writeFile(file, 'global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: node\n');
    const r = await runCli(['check', 'config', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('SUCCESS');
  });

  it('exits 2 naming the YAML path and line of every problem', async () => {
    const file = join(dir, 'bad.yml');
    await writeFile(file, 'global:\n  scrape_interval: 15s\nbus:\n  partitons: 8\n  type: kafka\n');
    const r = await runCli(['check', 'config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bus.partitons (line 4, column 3): unknown field');
    expect(r.stderr).toMatch(/bus\.kafka \(line \d+.*brokers/);
  });
});

describe('a long-running role', () => {
  it('refuses to start on an invalid configuration file with status 2', async () => {
    const file = join(dir, 'invalid.yml');
    await writeFile(file, 'global:\n  evaluation_interval: soon\n');
    const r = await runCli(['up', '--config', file, '--data', join(dir, 'data-invalid'), '--listen', '127.0.0.1:0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('global.evaluation_interval (line 2, column 24)');
  });

  it('tidemark replay without rule files or a consumer group says what it needs, with status 2', async () => {
    const r = await runCli(['replay']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--rules FILE');
  });

  it('serves health, readiness, metrics and reload, and exits 0 on SIGTERM', async () => {
    const file = join(dir, 'up.yml');
    await writeFile(file, 'global:\n  scrape_interval: 15s\n');
    const up = await startCli(['up', '--config', file, '--data', join(dir, 'data-up')]);
    try {
      expect((await fetch(`${up.url}/-/healthy`)).status).toBe(200);
      expect((await fetch(`${up.url}/-/ready`)).status).toBe(200);
      const metrics = await (await fetch(`${up.url}/metrics`)).text();
      expect(metrics).toMatch(/tidemark_build_info\{version="[^"]+",role="up"/);
      expect(metrics).toContain('process_cpu_seconds_total');
      expect((await fetch(`${up.url}/-/reload`, { method: 'POST' })).status).toBe(200);

      await writeFile(file, 'global:\n  scrape_interval: never\n');
      const bad = await fetch(`${up.url}/-/reload`, { method: 'POST' });
      expect(bad.status).toBe(500);
      expect(await bad.text()).toContain('global.scrape_interval');
      expect((await fetch(`${up.url}/-/healthy`)).status).toBe(200);
    } finally {
      expect(await up.stop('SIGTERM')).toBe(0);
    }
    expect(up.output()).toContain('"msg":"stopped"');
  });
});

describe('tidemark tail', () => {
  const batch = {
    series: [
      { labels: { __name__: 'up', job: 'node' }, timestamps: [1000], values: [1], stale: [] },
      { labels: { __name__: 'node_load1', job: 'node' }, timestamps: [1000, 2000], values: [0.5, 0], stale: [1] },
    ],
  };

  it('prints the samples of an embedded-bus topic as text lines', async () => {
    const data = join(dir, 'data-tail');
    const bus = await EmbeddedBus.open({ dataDir: join(data, 'bus') });
    await bus.ensureTopic('tidemark.samples', 2);
    await bus.produce('tidemark.samples', [{ partition: 1, value: encodeSampleBatch(batch, 'test') }]);
    await bus.produce('tidemark.samples', [{ partition: 0, value: Buffer.from('not avro') }]);
    await bus.close();
    const r = await runCli(['tail', '--data', data, '--topic', 'tidemark.samples', '--from', 'earliest', '--limit', '2']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toContain('up{job="node"} 1 1000');
    expect(lines).toContain('node_load1{job="node"} 0.5 1000');
    expect(lines).toContain('node_load1{job="node"} stale 2000');
    expect(r.stdout).toMatch(/# tidemark\.samples\/1@0 .* sample batch: 2 series from test/);
    expect(r.stdout).toMatch(/# tidemark\.samples\/0@0 .* undecodable \(not Avro single-object encoding/);
  });

  it('hands every line to a reader slower than itself: output beyond the pipe buffer is not cut short at exit', async () => {
    const data = join(dir, 'data-tail-big');
    const bus = await EmbeddedBus.open({ dataDir: join(data, 'bus') });
    await bus.ensureTopic('tidemark.samples', 1);
    // 5,000 sample lines, several times the 64 KiB a pipe holds.
    const series = Array.from({ length: 50 }, (_, i) => ({
      labels: { __name__: 'tail_pipe_test', series: String(i) },
      timestamps: Array.from({ length: 100 }, (_, j) => 1000 + j),
      values: Array.from({ length: 100 }, (_, j) => j),
      stale: [],
    }));
    await bus.produce('tidemark.samples', [{ partition: 0, value: encodeSampleBatch({ series }, 'test') }]);
    await bus.close();
    // A shell pipe whose reader waits until the writer has exited (or 3 s): whatever tail had
    // not handed to the pipe when it exited would be lost.
    const exited = join(dir, 'tail-exited');
    const script = `{ "$0" "$1" tail --data "$2" --topic tidemark.samples --from earliest --to-end; echo $? > "$3"; } | { i=0; while [ ! -e "$3" ] && [ $i -lt 60 ]; do sleep 0.05; i=$((i+1)); done; cat; }`;
    const { stdout, code } = await new Promise<{ stdout: string; code: number | null }>((resolve, reject) => {
      const child = spawn('sh', ['-c', script, process.execPath, CLI, data, exited], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('close', (c) => resolve({ stdout: out, code: c }));
    });
    expect(code).toBe(0);
    expect((await readFile(exited, 'utf8')).trim()).toBe('0');
    expect(stdout.split('\n').filter((l) => l.startsWith('tail_pipe_test{'))).toHaveLength(5000);
  });

  it('prints records from a Kafka topic', async () => {
    const ns = testNamespace('cli-tail');
    const topic = ns.topic('samples');
    await createKafkaTopic(topic, 2);
    const bus = new KafkaBus(mockKafkaBusSettings(kafkaBrokers()));
    await bus.produce(topic, [{ partition: 0, value: encodeSampleBatch(batch, 'kafka') }]);
    await bus.close();
    const r = await runCli(['tail', '--kafka', kafkaBrokers().join(','), '--topic', topic, '--from', 'earliest', '--limit', '1', '--log.level', 'error']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('up{job="node"} 1 1000');
  });
});

describe('tidemark check (rules, alertmanager, metrics)', () => {
  it('validates rule files like promtool, naming the broken expression', async () => {
    const good = join(dir, 'rules.yml');
    await writeFile(
      good,
      'groups:\n  - name: g\n    rules:\n      - record: job:up:sum\n        expr: sum by (job) (up)\n      - alert: Down\n        expr: up == 0\n        for: 5m\n',
    );
    const ok = await runCli(['check', 'rules', good]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('SUCCESS: 2 rules found');

    const bad = join(dir, 'bad-rules.yml');
    await writeFile(bad, 'groups:\n  - name: g\n    rules:\n      - record: x\n        expr: sum by (job (up)\n');
    const r = await runCli(['check', 'rules', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('FAILED');
    expect(r.stderr).toMatch(/parse error/);
  });

  it('validates alertmanager.yml like amtool check-config', async () => {
    const good = join(dir, 'am.yml');
    await writeFile(good, 'route:\n  receiver: hook\nreceivers:\n  - name: hook\n    webhook_configs: [{ url: "http://127.0.0.1:1/" }]\n');
    const ok = await runCli(['check', 'alertmanager', good]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('SUCCESS');

    const bad = join(dir, 'am-bad.yml');
    await writeFile(bad, 'route:\n  receiver: nope\nreceivers:\n  - name: hook\n');
    const r = await runCli(['check', 'alertmanager', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('undefined receiver "nope"');
  });

  it('checks an exposition on standard input with promtool exit codes', async () => {
    const clean = '# HELP up Whether up.\n# TYPE up gauge\nup 1\n';
    expect((await runCli(['check', 'metrics'], { stdin: clean })).code).toBe(0);
    const lint = await runCli(['check', 'metrics'], { stdin: '# TYPE http_requests counter\nhttp_requests 1\n' });
    expect(lint.code).toBe(3);
    expect(lint.stderr).toContain('http_requests');
    const broken = await runCli(['check', 'metrics'], { stdin: 'up 1\nup{a="b" 2\n' });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/line 2, column \d+/);
    const om = await runCli(['check', 'metrics', '--openmetrics'], { stdin: '# TYPE up gauge\nup 1\n' });
    expect(om.code).toBe(1);
    expect(om.stderr).toMatch(/EOF/i);
  });
});

describe('tidemark promql-test', () => {
  it('runs a PromQL test file and reports each case and a total', async () => {
    const file = join(dir, 'sample.test');
    await writeFile(
      file,
      'load 1m\n  m{job="a"} 0+1x10\n  m{job="b"} 0+2x10\n\neval instant at 10m sum(m)\n  {} 30\n\neval instant at 10m m{job="b"}\n  m{job="b"} 99\n',
    );
    const r = await runCli(['promql-test', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/total \(tsdb storage\): 1 passed, 1 failed/);
    const m = await runCli(['promql-test', '--storage', 'memory', file]);
    expect(m.code).toBe(1);
    expect(m.stdout).toMatch(/total \(memory storage\): 1 passed, 1 failed/);
  });

  it('rejects an unknown --storage with status 2', async () => {
    const r = await runCli(['promql-test', '--storage', 'disk', join(dir, 'sample.test')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--storage: expected tsdb or memory');
  });
});
