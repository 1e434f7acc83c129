// Installs the npm dependencies when they are missing or older than package-lock.json. Plain JavaScript on purpose:
// it runs before anything else is installed.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const lock = path.join(root, 'package-lock.json');
const installed = path.join(root, 'node_modules', '.package-lock.json');

const stale = !existsSync(installed) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(installed).mtimeMs);
if (stale) {
  const command = existsSync(lock) ? 'ci' : 'install';
  console.log(`reprocess: installing npm dependencies (npm ${command})…`);
  execFileSync('npm', [command, '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
}
