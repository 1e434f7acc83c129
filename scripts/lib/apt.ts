import { execFileSync } from 'node:child_process';
import { which } from './which';

/** Whether this process may install Debian packages: root, with apt-get on PATH. */
export function canApt(env: NodeJS.ProcessEnv): boolean {
  return process.getuid?.() === 0 && which('apt-get', env['PATH']) !== null;
}

/** Installs one Debian package with apt-get, quietly and without questions. */
export function aptInstall(name: string, env: NodeJS.ProcessEnv): void {
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', name], {
    stdio: 'inherit',
    env: { ...env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}
