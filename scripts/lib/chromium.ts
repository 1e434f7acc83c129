import { aptInstall, canApt } from './apt';
import { which } from './which';

type Log = (message: string) => void;

/**
 * The browser the dashboard's tests drive: CHROMIUM_PATH, else `chromium` on PATH. Playwright's own browser download
 * is not used: Debian's Chromium is what the tests run on.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  return which(env['CHROMIUM_PATH'] || 'chromium', env['PATH']);
}

/** Finds Chromium; when it is missing and we are root with apt, installs Debian's. */
export function ensureChromium(log: Log, env: NodeJS.ProcessEnv = process.env): string {
  let found = findChromium(env);
  if (found === null && !env['CHROMIUM_PATH'] && canApt(env)) {
    log("Chromium is missing (the dashboard's browser tests need it): installing Debian's chromium with apt-get…");
    aptInstall('chromium', env);
    found = findChromium(env);
  }
  if (found === null) {
    throw new Error(
      'Chromium not found: the browser tests need it (Debian/Ubuntu: apt-get install -y chromium), or set CHROMIUM_PATH.',
    );
  }
  return found;
}
