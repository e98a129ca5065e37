// Bundles the web console (src/console, Preact + htm + uPlot) with esbuild into dist/console/app.js and app.css,
// which the admin API serves; run by `npm run build`. Everything the page needs is in these two files.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist', 'console');

await build({
  entryPoints: { app: path.join(root, 'src', 'console', 'main.ts') },
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: false,
  legalComments: 'eof',
  outdir,
  logLevel: 'warning',
});
await build({
  entryPoints: { app: path.join(root, 'src', 'console', 'app.css') },
  bundle: true,
  minify: true,
  outdir,
  logLevel: 'warning',
});
