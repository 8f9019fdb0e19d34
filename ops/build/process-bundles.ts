import { build, type Plugin } from 'esbuild';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The files node starts a thread on, relative to the build directory: the command line, and the
 * worker threads the query path spawns (`new URL('./eval-worker.js', …)`, next to their pools).
 */
export const PROCESS_ENTRIES = [
  'ops/cli/main.js',
  'pipeline/promql/eval-pool/eval-worker.js',
  'pipeline/tsdb/select-decode/decode-worker.js',
] as const;

/** First line of a bundled entry (after its `#!` line, if any). */
export const BUNDLE_BANNER = '// tidemark: this entry and the modules it imports, bundled (ops/build/process-bundles.ts)';

/** Whether the text of an entry is a bundle made here. */
export function isProcessBundle(text: string): boolean {
  return text.split('\n', 2).includes(BUNDLE_BANNER);
}

/**
 * Replaces each entry of `dist` (tsc's output) by one file holding it and every module of the
 * build it imports; npm packages stay imports. Node resolves, reads and compiles each ES module
 * file on its own: `tidemark up` imports about 650 of them, which was most of what a start cost
 * (restart to ready; one-shot commands such as `tidemark check`). Every other file of `dist`
 * stays where it is: schemas, the web UI and `package.json` are read relative to the module that
 * reads them, so each module's `import.meta.url` is rewritten to its own file's URL, found from
 * the bundle's (the build can be moved or installed anywhere).
 */
export async function bundleProcessEntries(dist: string, entries: readonly string[] = PROCESS_ENTRIES): Promise<{ entry: string; modules: number; chunks: number }[]> {
  const done: { entry: string; modules: number; chunks: number }[] = [];
  for (const name of entries) {
    const entry = resolve(dist, name);
    const dir = dirname(entry);
    // A bundle bundled again would keep the old code of modules compiled since: compile first.
    if (isProcessBundle(await readFile(entry, 'utf8'))) throw new Error(`${entry} is a bundle already: run tsc before bundling (its modules may have changed since)`);
    const result = await build({
      entryPoints: [entry],
      outdir: dir,
      // Written below, once the entry's chunks of the build before are gone; over the entry.
      write: false,
      allowOverwrite: true,
      // What the entry imports when asked for (a role, a command) stays a chunk of its own,
      // loaded then, with the packages it imports: `tidemark check` loads no Kafka client.
      splitting: true,
      chunkNames: `${chunkPrefix(name)}[hash]`,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      sourcemap: 'linked',
      banner: { js: BUNDLE_BANNER },
      metafile: true,
      logLevel: 'warning',
      plugins: [ownModuleUrls(dir)],
    });
    // The entry's chunks of the build before (named by a hash of their contents) go first.
    const prefix = chunkPrefix(name);
    for (const f of await readdir(dir)) if (f.startsWith(prefix)) await rm(join(dir, f));
    for (const f of result.outputFiles) await writeFile(f.path, f.contents);
    const chunks = result.outputFiles.filter((f) => basename(f.path).startsWith(prefix) && f.path.endsWith('.js')).length;
    done.push({ entry: name, modules: Object.keys(result.metafile.inputs).length, chunks });
  }
  return done;
}

/** The names of an entry's chunks start with this, next to it: `main.chunk-`. */
function chunkPrefix(entry: string): string {
  return `${basename(entry, '.js')}.chunk-`;
}

/** Each bundled module's `import.meta.url` as the URL of its own file, relative to the bundle in `bundleDir`. */
function ownModuleUrls(bundleDir: string): Plugin {
  return {
    name: 'own-module-urls',
    setup(b) {
      b.onLoad({ filter: /\.js$/ }, async ({ path }) => {
        const text = await readFile(path, 'utf8');
        if (!text.includes('import.meta.url')) return { contents: text, loader: 'js' };
        let rel = relative(bundleDir, path).split('\\').join('/');
        if (!rel.startsWith('.')) rel = `./${rel}`;
        return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'js' };
      });
    },
  };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dist = resolve(fileURLToPath(new URL('../../', import.meta.url)), 'dist');
  for (const { entry, modules, chunks } of await bundleProcessEntries(dist)) console.log(`bundled dist/${entry}: ${modules} modules, ${chunks} chunks loaded when asked for`);
}
