import path from 'node:path';
import { buildSync } from 'esbuild';

const root = path.resolve(__dirname, '..', '..');

/**
 * Bundles the dashboard's TypeScript (and hls.js) into web/dashboard/dist/app.js, the one script the page loads.
 * Run by `npm run build`, `npm run up`, `npm run api` and the tests' global setup; it takes well under a second.
 */
export function buildDashboard(): string {
  const outfile = path.join(root, 'web', 'dashboard', 'dist', 'app.js');
  buildSync({
    entryPoints: [path.join(root, 'web', 'dashboard', 'src', 'main.ts')],
    outfile,
    bundle: true,
    minify: true,
    sourcemap: false,
    format: 'iife',
    target: ['chrome110', 'firefox110', 'safari16'],
    legalComments: 'none',
    logLevel: 'warning',
  });
  return outfile;
}
