import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, type RunningCli } from '../e2e/cli-process.js';
import { dockerignore, execForm, parseDockerfile, type Dockerfile, type Stage } from './dockerfile.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const DEPLOY = join(REPO, 'ops/deploy');

let df: Dockerfile;
let ignored: (path: string) => boolean;
beforeAll(async () => {
  df = parseDockerfile(await readFile(join(DEPLOY, 'Dockerfile'), 'utf8'));
  ignored = dockerignore(await readFile(join(DEPLOY, 'Dockerfile.dockerignore'), 'utf8'));
});

const final = (): Stage => df.stages[df.stages.length - 1];
const all = (s: Stage, keyword: string) => s.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
const last = (s: Stage, keyword: string) => all(s, keyword).at(-1);

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else out.push(p);
  }
  return out;
}

describe('Dockerfile', () => {
  it('builds in a stage with development dependencies and runs from one with production dependencies only', () => {
    expect(df.stages.length).toBeGreaterThanOrEqual(2);
    const build = df.stages.find((s) => all(s, 'RUN').some((r) => r.includes('npm run build')));
    expect(build?.name).toBeDefined();
    expect(all(build!, 'RUN').some((r) => /^npm ci\b/.test(r) && !r.includes('--omit=dev'))).toBe(true);
    const runtime = final();
    expect(runtime.from).toMatch(/^node:20\b/);
    expect(all(runtime, 'RUN').some((r) => r.includes('npm'))).toBe(false);
    const copies = all(runtime, 'COPY').map((c) => /--from=(\S+)\s+(\S+)\s+(\S+)/.exec(c));
    expect(copies.every((c) => c !== null)).toBe(true);
    const nodeModules = copies.find((c) => c![2].endsWith('/node_modules'));
    const depsStage = df.stages.find((s) => s.name === nodeModules![1]);
    expect(all(depsStage!, 'RUN').some((r) => /npm ci .*--omit=dev/.test(r))).toBe(true);
  });

  it('runs as a numeric non-root user that the image creates', () => {
    const user = last(final(), 'USER');
    expect(user).toMatch(/^\d+(:\d+)?$/);
    const uid = Number(user!.split(':')[0]);
    expect(uid).toBeGreaterThan(0);
    expect(all(final(), 'RUN').some((r) => r.includes(`useradd`) && r.includes(`--uid ${uid}`))).toBe(true);
  });

  it('starts the CLI of the build output as its entrypoint', async () => {
    const runtime = final();
    expect(execForm(last(runtime, 'ENTRYPOINT')!)).toEqual(['node', 'dist/ops/cli/main.js']);
    const workdir = last(runtime, 'WORKDIR')!;
    // Follow the entrypoint back through COPY --from to the build stage's path, which is this checkout's dist/.
    const entry = posix.join(workdir, 'dist/ops/cli/main.js');
    const copy = all(runtime, 'COPY')
      .map((c) => /--from=(\S+)\s+(\S+)\s+(\S+)/.exec(c)!)
      .find((c) => entry.startsWith(posix.join(workdir, c[3]) + '/'));
    expect(copy).toBeDefined();
    const source = df.stages.find((s) => s.name === copy![1])!;
    const inBuild = posix.join(copy![2], posix.relative(posix.join(workdir, copy![3]), entry));
    const buildDir = last(source, 'WORKDIR')!;
    await expect(stat(join(REPO, posix.relative(buildDir, inBuild)))).resolves.toBeDefined();
    // CMD gives `docker run IMAGE` a working default: tidemark up with its data in the volume.
    const cmd = execForm(last(runtime, 'CMD')!)!;
    expect(cmd[0]).toBe('up');
    expect(cmd.slice(cmd.indexOf('--data'))[1]).toBe(all(runtime, 'VOLUME').map((v) => execForm(v)![0])[0]);
  });

  it('copies into the build everything the compiler and the build script read, and the ignore file keeps tests out', async () => {
    const build = df.stages.find((s) => s.name === 'build')!;
    const sources = all(build, 'COPY').flatMap((c) => c.split(/\s+/).slice(0, -1));
    for (const src of sources) {
      const st = await stat(join(REPO, src));
      // A directory is sent when files under it are (an exception pattern re-includes them).
      const sent = st.isDirectory() ? (await filesUnder(join(REPO, src))).some((f) => !ignored(relative(REPO, f))) : !ignored(src);
      expect(sent, src).toBe(true);
    }
    const tsconfig = JSON.parse(await readFile(join(REPO, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
    for (const dir of tsconfig.include.filter((d) => d !== 'test')) expect(sources, dir).toContain(dir);
    for (const dir of ['schemas', 'pipeline', 'connectors', 'ops']) {
      const files = (await filesUnder(join(REPO, dir))).map((f) => relative(REPO, f));
      expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).every((f) => !ignored(f)), dir).toBe(true);
      expect(files.filter((f) => f.endsWith('.test.ts')).every((f) => ignored(f)), dir).toBe(true);
    }
    expect(ignored('node_modules/kafkajs/package.json')).toBe(true);
    expect(ignored('dist/ops/cli/main.js')).toBe(true);
    expect(ignored('.git/HEAD')).toBe(true);
  });

  it('exposes the port every role listens on by default', async () => {
    const help = await runCli(['up', '--help']);
    const port = /--listen HOST:PORT .*default [\d.]+:(\d+)/.exec(help.stdout)?.[1];
    expect(port).toBeDefined();
    expect(all(final(), 'EXPOSE')).toEqual([port]);
  });

  describe('HEALTHCHECK', () => {
    let dir: string;
    let up: RunningCli;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'tidemark-dockerfile-'));
      up = await startCli(['up', '--data', join(dir, 'data')]);
    });
    afterAll(async () => {
      await up?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    /** The health check command, aimed at ADDRESS instead of the container's own 127.0.0.1:9090. */
    function healthcheck(address: string): string[] {
      const args = last(final(), 'HEALTHCHECK')!;
      const cmd = execForm(args.slice(args.indexOf('CMD ') + 4))!;
      expect(cmd.join(' ')).toContain('http://127.0.0.1:9090/-/healthy');
      return cmd.map((a) => a.replace('127.0.0.1:9090', address));
    }

    it('succeeds against a running tidemark', async () => {
      const [program, ...args] = healthcheck(new URL(up.url).host);
      expect(program).toBe('node');
      await expect(run(process.execPath, args)).resolves.toBeDefined();
    });

    it('fails when nothing answers', async () => {
      const [, ...args] = healthcheck('127.0.0.1:1');
      await expect(run(process.execPath, args)).rejects.toMatchObject({ code: 1 });
    });
  });
});
