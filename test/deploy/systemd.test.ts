import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../e2e/cli-process.js';
import { ROLES, cliVerdict, roleCommand } from './role-command.js';
import { expandExecStart, parseEnvironmentFile, parseUnit, values, type Unit } from './systemd-unit.js';

const run = promisify(execFile);
const DEPLOY = fileURLToPath(new URL('../../ops/deploy/', import.meta.url));
const SYSTEMD = join(DEPLOY, 'systemd');
const PROGRAM = '/usr/local/bin/tidemark';

interface UnitFile {
  readonly name: string;
  readonly text: string;
  readonly unit: Unit;
  readonly role: string;
}

let units: UnitFile[];
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'tidemark-systemd-'));
  const names = (await readdir(SYSTEMD)).filter((f) => f.endsWith('.service')).sort();
  units = await Promise.all(
    names.map(async (name) => {
      const text = await readFile(join(SYSTEMD, name), 'utf8');
      const unit = parseUnit(text);
      const [exec] = values(unit, 'Service', 'ExecStart');
      return { name, text, unit, role: exec.split(/\s+/)[1] };
    }),
  );
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** The environment file a unit names, read from ops/deploy/systemd/env/ (where install.sh takes it from). */
async function envOf(u: UnitFile): Promise<Record<string, string>> {
  const [file] = values(u.unit, 'Service', 'EnvironmentFile');
  expect(file).toMatch(/^\/etc\/tidemark\/[a-z]+\.env$/);
  return parseEnvironmentFile(await readFile(join(SYSTEMD, 'env', basename(file)), 'utf8'));
}

describe('systemd units', () => {
  it('exist for tidemark up and for every separate role', () => {
    expect(units.map((u) => u.role).sort()).toEqual([...ROLES].sort());
    expect(units.find((u) => u.role === 'up')?.name).toBe('tidemark.service');
    for (const u of units.filter((x) => x.role !== 'up')) expect(u.name).toBe(`tidemark-${u.role}.service`);
  });

  it('pass systemd-analyze verify without a warning, with the program path pointing at the built CLI', async () => {
    // verify needs ExecStart's program to exist and the environment file to be readable: point both at this checkout.
    const dir = join(work, 'verify');
    await run('mkdir', ['-p', dir]);
    const files: string[] = [];
    for (const u of units) {
      const text = u.text.replaceAll(PROGRAM, `${process.execPath} ${CLI}`).replaceAll('/etc/tidemark/', `${SYSTEMD}/env/`);
      expect(text).not.toContain(PROGRAM);
      const file = join(dir, u.name);
      await writeFile(file, text);
      files.push(file);
    }
    const r = await run('systemd-analyze', ['verify', '--man=no', ...files]).catch((e: { code: number; stderr: string }) => e);
    expect('code' in r ? r.code : 0, r.stderr).toBe(0);
    // Unknown keys and unparsable values are only warnings for systemd: treat them as failures.
    expect(r.stderr).toBe('');
  });

  it('run as the tidemark user with SIGHUP reload, a read-only system and only the data directory writable', () => {
    for (const u of units) {
      const get = (k: string) => values(u.unit, 'Service', k);
      expect(get('User'), u.name).toEqual(['tidemark']);
      expect(get('ExecReload'), u.name).toEqual(['/bin/kill -HUP $MAINPID']);
      expect(get('ProtectSystem'), u.name).toEqual(['strict']);
      expect(get('ReadWritePaths'), u.name).toEqual(['/var/lib/tidemark']);
      for (const k of ['NoNewPrivileges', 'ProtectHome', 'PrivateTmp', 'PrivateDevices']) expect(get(k), `${u.name} ${k}`).toEqual(['yes']);
      expect(get('ExecStart')[0], u.name).toContain(`--data /var/lib/tidemark/${u.role}`);
      expect(get('StateDirectory'), u.name).toEqual([`tidemark/${u.role}`]);
      // V8 needs writable executable memory for its JIT: this setting would kill the process.
      expect(get('MemoryDenyWriteExecute'), u.name).toEqual([]);
    }
  });

  it('rate as OK (exposure at most 2.0) in systemd-analyze security', async () => {
    const dir = join(work, 'security');
    await run('mkdir', ['-p', dir]);
    for (const u of units) {
      const file = join(dir, u.name);
      await writeFile(file, u.text);
      const r = await run('systemd-analyze', ['security', '--offline=true', '--threshold=20', '--no-pager', file]).catch(
        (e: { code: number; stdout: string }) => e,
      );
      expect('code' in r ? r.code : 0, `${u.name}\n${r.stdout}`).toBe(0);
      expect(r.stdout).toMatch(/Overall exposure level for .*: [0-2]\.\d/);
    }
  });

  it('start tidemark with flags the CLI accepts, the environment file expanded', async () => {
    const commands = await Promise.all(
      units.map(async (u) => ({ u, argv: expandExecStart(values(u.unit, 'Service', 'ExecStart')[0], await envOf(u)) })),
    );
    const verdicts = await Promise.all(commands.map(({ argv }) => cliVerdict(roleCommand(argv.slice(1)))));
    commands.forEach(({ u, argv }, i) => {
      expect(argv[0]).toBe(PROGRAM);
      expect(argv, u.name).toContain('--config');
      expect(verdicts[i].accepted, `${u.name}: ${argv.join(' ')}\n${verdicts[i].reason}`).toBe(true);
    });
    // The check can fail: a flag the CLI does not know is refused.
    expect((await cliVerdict({ role: 'store', args: ['--no-such-flag', 'x'] })).accepted).toBe(false);
  });
});

describe('install.sh', () => {
  it('stages the program, the units, their environment files and a valid configuration under DESTDIR', { timeout: 300_000 }, async () => {
    const dest = join(work, 'root');
    await run('bash', [join(SYSTEMD, 'install.sh'), '--distributed'], { env: { ...process.env, DESTDIR: dest } });

    expect(await readlink(join(dest, PROGRAM))).toBe('/opt/tidemark/dist/ops/cli/main.js');
    const installedCli = join(dest, 'opt/tidemark/dist/ops/cli/main.js');
    expect((await stat(installedCli)).mode & 0o111).not.toBe(0);
    const version = await run(process.execPath, [installedCli, '--version']);
    expect(version.stdout).toMatch(/^tidemark \d+\.\d+\.\d+/);
    // The units' Documentation= points at the installed README.
    for (const u of units) {
      for (const doc of values(u.unit, 'Unit', 'Documentation')) {
        expect(doc).toMatch(/^file:\/\//);
        await expect(stat(join(dest, doc.slice('file://'.length))), doc).resolves.toBeDefined();
      }
    }
    // Production dependencies only.
    await expect(stat(join(dest, 'opt/tidemark/node_modules/kafkajs'))).resolves.toBeDefined();
    await expect(stat(join(dest, 'opt/tidemark/node_modules/vitest'))).rejects.toThrow(/ENOENT/);

    const configs = new Set<string>();
    for (const u of units) {
      expect(await readFile(join(dest, 'etc/systemd/system', u.name), 'utf8')).toBe(u.text);
      const [envFile] = values(u.unit, 'Service', 'EnvironmentFile');
      await expect(stat(join(dest, envFile))).resolves.toBeDefined();
      const argv = expandExecStart(values(u.unit, 'Service', 'ExecStart')[0], await envOf(u));
      configs.add(join(dest, argv[argv.indexOf('--config') + 1]));
    }
    // Each unit's command, its environment file expanded, with its --config as installed and the flags over it.
    for (const u of units) {
      const argv = expandExecStart(values(u.unit, 'Service', 'ExecStart')[0], await envOf(u));
      const verdict = await cliVerdict(roleCommand(argv.slice(1)), { root: dest });
      expect(verdict.accepted, `${u.name}: ${verdict.reason}`).toBe(true);
    }
    const [config, rules, am] = await Promise.all([
      runCli(['check', 'config', ...configs]),
      runCli(['check', 'rules', join(dest, 'etc/tidemark/rules/tidemark.yml')]),
      runCli(['check', 'alertmanager', join(dest, 'etc/tidemark/alertmanager.yml')]),
    ]);
    expect(config.code, config.stderr).toBe(0);
    expect(config.stdout).toContain('SUCCESS');
    expect(rules.code, rules.stderr).toBe(0);
    expect(am.code, am.stderr).toBe(0);

    // A second run upgrades the program and units but keeps configuration an operator edited.
    await writeFile(join(dest, 'etc/tidemark/store.env'), 'TIDEMARK_OPTS="--listen 0.0.0.0:1"\n');
    await run('bash', [join(SYSTEMD, 'install.sh')], { env: { ...process.env, DESTDIR: dest } });
    expect(await readFile(join(dest, 'etc/tidemark/store.env'), 'utf8')).toBe('TIDEMARK_OPTS="--listen 0.0.0.0:1"\n');
    expect(await readFile(join(dest, 'etc/tidemark/tidemark.yml'), 'utf8')).toBe(await readFile(join(DEPLOY, 'tidemark.distributed.yml'), 'utf8'));
  });
});
