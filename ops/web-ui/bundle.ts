import { build } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PAGES, PAGES_META, PAGES_PLACEHOLDER, PRELOAD_END, PRELOAD_START } from './pages.js';

/**
 * Bundles the browser app (`app/main.tsx`) into `outDir`: content-hashed, minified ES modules
 * under `assets/` (one chunk per page, loaded when first opened, so the status pages do not
 * load the editor and the graph library) and the `index.html` every page path answers with.
 */
export async function bundleWebUi(appDir: string, outDir: string): Promise<{ files: string[] }> {
  await rm(outDir, { recursive: true, force: true });
  const assets = join(outDir, 'assets');
  await mkdir(assets, { recursive: true });
  const result = await build({
    entryPoints: { app: join(appDir, 'main.tsx') },
    bundle: true,
    splitting: true,
    format: 'esm',
    minify: true,
    sourcemap: 'linked',
    target: ['es2022'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outdir: assets,
    entryNames: '[name]-[hash]',
    chunkNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    metafile: true,
    logLevel: 'warning',
    legalComments: 'linked',
  });
  const outputs = Object.entries(result.metafile.outputs);
  const entry = outputs.find(([, o]) => o.entryPoint !== undefined && o.entryPoint.endsWith('main.tsx'));
  if (entry === undefined) throw new Error(`esbuild produced no entry chunk for ${appDir}/main.tsx`);
  const script = `/assets/${basename(entry[0])}`;
  const css = entry[1].cssBundle === undefined ? undefined : `/assets/${basename(entry[1].cssBundle)}`;
  // The first page (the query page on most roles) and what it imports, also later (the editor),
  // are fetched with the entry, not after it ran.
  const first = outputs.find(([, o]) => o.entryPoint?.endsWith(`pages/${PAGES[0].id}.tsx`) === true);
  const preload = first === undefined ? [] : [first[0], ...first[1].imports.filter((i) => i.kind === 'import-statement' || i.kind === 'dynamic-import').map((i) => i.path)].map((f) => `/assets/${basename(f)}`);
  // The entry's own imports are fetched with it, not once it has been parsed.
  const entryImports = entry[1].imports.filter((i) => i.kind === 'import-statement').map((i) => `/assets/${basename(i.path)}`);
  await writeFile(join(outDir, 'index.html'), indexHtml(script, css, entryImports, preload.filter((p) => !entryImports.includes(p))));
  // Precompressed copies for clients that take gzip (served by ops/server/web-ui.ts).
  for (const [file] of outputs) {
    if (/\.(js|css)$/.test(file)) await writeFile(`${file}.gz`, gzipSync(await readFile(file), { level: 9 }));
  }
  return { files: outputs.map(([f]) => relative(outDir, f)) };
}

function indexHtml(script: string, css: string | undefined, entryImports: readonly string[], preload: readonly string[]): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="${PAGES_META}" content="${PAGES_PLACEHOLDER}">
<title>Tidemark</title>
<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Cpath d='M0 10q4-4 8 0t8 0v6H0z' fill='%23e6522c'/%3E%3C/svg%3E">
${css === undefined ? '' : `<link rel="stylesheet" href="${css}">\n`}<script type="module" src="${script}"></script>
${entryImports.map((p) => `<link rel="modulepreload" href="${p}">\n`).join('')}${PRELOAD_START}
${preload.map((p) => `<link rel="modulepreload" href="${p}">\n`).join('')}${PRELOAD_END}
</head>
<body>
<div id="app"></div>
<noscript>Tidemark's web UI needs JavaScript; the HTTP API is at /api/v1/.</noscript>
</body>
</html>
`;
}

// `npm run build`: bundles ops/web-ui/app into dist/web-ui.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const { files } = await bundleWebUi(join(root, 'ops/web-ui/app'), join(root, 'dist/web-ui'));
  process.stdout.write(`web UI: ${files.length} files in dist/web-ui\n`);
}
