import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** Every command a user types from README.md: the lines of its `sh` blocks and `$ ` prompts. */
function readmeCommands(): string[] {
  const text = readFileSync(repo('README.md'), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/```(\w*)\n([\s\S]*?)```/g)) {
    const [, lang, body] = m;
    for (const raw of body.split('\n')) {
      if (lang === 'sh') {
        const line = raw.replace(/\s+#\s.*$/, '').trim();
        if (line !== '' && !line.startsWith('#')) out.push(line);
      } else if (lang === '' && raw.startsWith('$ ')) {
        out.push(raw.slice(2).trim());
      }
    }
  }
  return out;
}

interface Coverage {
  /** Which README commands this entry covers. */
  readonly readme: RegExp;
  /** The file that runs them, and what it must contain to run them as printed. */
  readonly file: string;
  readonly evidence: (command: string) => string[];
}

/** A role command runs with each README flag: the file passes the role and every `--flag`. */
const roleArgs = (command: string): string[] => {
  const words = command.split(/\s+/);
  const at = words.findIndex((w) => w === 'tidemark' || w.endsWith('main.js'));
  const role = words[at + 1];
  return [`'${role}'`, ...words.filter((w) => w.startsWith('--')).map((f) => `'${f}'`)];
};

const COVERAGE: Coverage[] = [
  { readme: /^bash ops\/test\.sh$/, file: '.ci/run', evidence: () => ['exec bash ops/test.sh'] },
  { readme: /^npm ci && npm run build$/, file: 'ops/test.sh', evidence: () => ['npm ci', 'npm run -s build'] },
  { readme: /^npx vitest run /, file: 'ops/test.sh', evidence: () => ['npx vitest run'] },
  { readme: /^npm run typecheck$/, file: 'ops/test.sh', evidence: () => ['for check in "typecheck"', 'npm run -s $check'] },
  { readme: /^npm run lint$/, file: 'ops/test.sh', evidence: () => ['"lint -- --quiet"', 'npm run -s $check'] },
  {
    readme: /^tidemark (ingest|store|query|notify|rules) /,
    file: 'test/system/deployment.ts',
    evidence: roleArgs,
  },
  { readme: /^npx bcrypt change-me 10$/, file: 'test/e2e/web-security.test.ts', evidence: () => ["run('npx', ['bcrypt', 'change-me', '10']"] },
  { readme: /main\.js up --web\.config\.file /, file: 'test/e2e/web-security.test.ts', evidence: roleArgs },
  {
    readme: /^curl --cacert \S+ -u admin:change-me https:\/\/\S+\/api\/v1\/query\?query=\S+$/,
    file: 'test/e2e/web-security.test.ts',
    evidence: () => ["curl('--cacert', 'ca.crt', '-u', `admin:${PASSWORD}`", '/api/v1/query?query=', "const PASSWORD = 'change-me'"],
  },
  { readme: /main\.js up --rebuild /, file: 'test/e2e/up-rebuild.test.ts', evidence: roleArgs },
  // The suite has built already, so the test packs with --ignore-scripts (the prepack build would rewrite dist/ under running tests).
  { readme: /^npm pack$/, file: 'test/deploy/npm-package.test.ts', evidence: () => ["'pack', '--ignore-scripts'"] },
  { readme: /^npm install --prefix \S+ \.\/tidemark-\S+\.tgz$/, file: 'test/deploy/npm-package.test.ts', evidence: () => ["'install', '--prefix'"] },
  { readme: /node_modules\/\.bin\/tidemark up --data /, file: 'test/deploy/npm-package.test.ts', evidence: () => ["startCli(['up', '--data'", '{ cli: bin }'] },
  { readme: /main\.js up /, file: 'test/system/deployment.ts', evidence: roleArgs },
  { readme: /^tidemark (import|replay) .*--tenant /, file: 'test/e2e/tenant-cli-commands.test.ts', evidence: roleArgs },
  { readme: /^tidemark import .*--remote-read /, file: 'test/e2e/import-remote-read.test.ts', evidence: roleArgs },
  { readme: /^tidemark import .*--prometheus-blocks /, file: 'test/e2e/import-prometheus-blocks.test.ts', evidence: roleArgs },
  { readme: /^tidemark import --kafka /, file: 'test/e2e/import-kafka.test.ts', evidence: roleArgs },
  { readme: /(^|\| )tidemark import /, file: 'test/e2e/import.test.ts', evidence: roleArgs },
  { readme: /^tidemark replay --rules .* --kafka /, file: 'test/e2e/replay-alert-history.test.ts', evidence: roleArgs },
  { readme: /^tidemark tail --topic tidemark\.alerts /, file: 'test/e2e/replay-alert-history.test.ts', evidence: roleArgs },
  { readme: /^tidemark replay --rules /, file: 'test/e2e/replay-rules.test.ts', evidence: roleArgs },
  { readme: /^tidemark replay --group /, file: 'test/e2e/replay-group.test.ts', evidence: roleArgs },
  {
    readme: /^curl -s \S+\/api\/v1\/export -d 'match\[\]=\S+' > export\.jsonl$/,
    file: 'test/e2e/import.test.ts',
    evidence: () => ['/api/v1/export?', "'match[]'"],
  },
  { readme: /^vmctl prometheus -s --prom-snapshot \S+ --vm-addr \S+$/, file: 'test/e2e/import.test.ts', evidence: () => ['vmctl prometheus -s --prom-snapshot ${blocks} --vm-addr ${up.url}'] },
  { readme: /(main\.js|^tidemark) check config /, file: 'test/system/scenarios.ts', evidence: () => [`['check', 'config', d.configFile]`] },
  {
    readme: /main\.js tail /,
    file: 'test/system/scenarios.ts',
    evidence: () => [`'tail', '--topic', 'tidemark.samples', '--from', 'earliest', '--limit', '10', '--kafka'`],
  },
  { readme: /^curl -X POST http:\/\/\S+\/-\/reload$/, file: 'test/system/scenarios.ts', evidence: () => ['/-/reload`, { method: \'POST\' }'] },
  {
    readme: /^curl -X POST -g '\S+\/api\/v1\/admin\/tsdb\/delete_series\?match\[\]=[^&]+&start=[^&']+'$/,
    file: 'test/system/scenarios.ts',
    evidence: () => ['/api/v1/admin/tsdb/delete_series?match[]=', '&start=', "{ method: 'POST' }"],
  },
  {
    readme: /^curl -s '\S+\/api\/v1\/query_range\?\S*&max_source_resolution=auto' -D - -o \/dev\/null$/,
    file: 'test/e2e/up-downsampling.test.ts',
    evidence: () => ['/api/v1/query_range?', 'max_source_resolution', "'auto'", 'x-tidemark-source-resolution'],
  },
  { readme: /^curl -X POST http:\/\/\S+\/api\/v1\/admin\/tsdb\/rebuild_downsampled$/, file: 'test/e2e/up-downsampling.test.ts', evidence: () => ['/api/v1/admin/tsdb/rebuild_downsampled`, { method: \'POST\' }'] },
  { readme: /^curl -s http:\/\/localhost:9090\/api\/v1\/status\/aggregates$/, file: 'test/e2e/aggregation-exactness.test.ts', evidence: () => ['/api/v1/status/aggregates'] },
  {
    readme: /^sudo bash ops\/deploy\/systemd\/install\.sh( --distributed)?$/,
    file: 'test/deploy/systemd.test.ts',
    evidence: (c) => ["join(SYSTEMD, 'install.sh')", ...(c.endsWith('--distributed') ? ["'--distributed'"] : [])],
  },
];

/**
 * README commands no test runs yet, each with why. The test below fails when this list is not
 * exactly the uncovered set, so a new README command needs a test (or an entry here, in review).
 */
const NOT_RUN_BY_ANY_TEST: Readonly<Record<string, string>> = {
  'bash ops/up.sh': 'runs npm ci and rebuilds dist/ in the working tree, which the running suite executes',
  'npm run bench': 'benchmarks are run by hand',
  'sudo systemctl enable --now tidemark': 'needs systemd as PID 1; test/deploy/systemd.test.ts verifies the units with systemd-analyze',
  'docker build -f ops/deploy/Dockerfile -t tidemark .': 'no Docker engine on the test machines; test/deploy/dockerfile.test.ts checks the Dockerfile',
  'docker run -p 9090:9090 -v tidemark-data:/var/lib/tidemark tidemark up': 'no Docker engine on the test machines',
  'docker compose -f ops/deploy/compose.yaml up -d --build': 'no Docker engine on the test machines; test/deploy/compose.test.ts checks the file',
  'kubectl apply -k ops/deploy/kubernetes': 'no cluster on the test machines; test/deploy/kubernetes.test.ts validates the manifests',
};

describe('the README commands', () => {
  const commands = readmeCommands();

  it('are found in the README (the extraction sees its shell examples)', () => {
    expect(commands).toContain('bash ops/test.sh');
    expect(commands.filter((c) => /^tidemark (ingest|store|query|notify|rules) /.test(c))).toHaveLength(5);
    expect(commands.length).toBeGreaterThanOrEqual(15);
  });

  it('are each run by a test as printed, except the listed ones', () => {
    const uncovered: string[] = [];
    const wrong: string[] = [];
    for (const c of commands) {
      const entry = COVERAGE.find((e) => e.readme.test(c));
      if (entry === undefined) {
        uncovered.push(c);
        continue;
      }
      const text = readFileSync(repo(entry.file), 'utf8');
      const missing = entry.evidence(c).filter((e) => !text.includes(e));
      if (missing.length > 0) wrong.push(`${c}: ${entry.file} lacks ${missing.join(', ')}`);
    }
    expect(wrong).toEqual([]);
    expect(uncovered.map((c) => c.replace(/ -- .*$/, '')).sort()).toEqual(Object.keys(NOT_RUN_BY_ANY_TEST).sort());
  });
});
