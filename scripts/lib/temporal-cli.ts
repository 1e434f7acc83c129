import { execFile } from 'node:child_process';
import { createWriteStream, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { isExecutableFile, which } from './which';

const execFileAsync = promisify(execFile);

/** The CLI version reprocess is tested with; later versions can no longer be built with `go install`. */
export const TEMPORAL_CLI_VERSION = '1.5.1';

type Log = (message: string) => void;

/** Where a downloaded or built CLI is kept: the user's cache dir, never the repository. */
export function cachedTemporalCliPath(env: NodeJS.ProcessEnv = process.env): string {
  const cacheHome = env['XDG_CACHE_HOME'] || path.join(os.homedir(), '.cache');
  return path.join(cacheHome, 'reprocess', 'temporal-cli', TEMPORAL_CLI_VERSION, 'temporal');
}

/** Finds the CLI without installing anything: TEMPORAL_CLI → `temporal` on PATH → the cached build. */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): string | null {
  const explicit = env['TEMPORAL_CLI'];
  if (explicit) {
    if (!isExecutableFile(explicit)) throw new Error(`TEMPORAL_CLI=${explicit} is not an executable file`);
    return path.resolve(explicit);
  }
  const cached = cachedTemporalCliPath(env);
  return which('temporal', env['PATH']) ?? (isExecutableFile(cached) ? cached : null);
}

/** Finds the CLI, or gets it: the official download where reachable, else `go install`. */
export async function ensureTemporalCli(log: Log, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const found = findTemporalCli(env);
  if (found) return found;
  const target = cachedTemporalCliPath(env);
  await fs.mkdir(path.dirname(target), { recursive: true });
  if (await tryDownload(target, log)) return target;
  if (which('go', env['PATH']) === null) {
    throw new Error(
      'The Temporal CLI is needed and could not be found, downloaded or built. Install it ' +
        '(https://docs.temporal.io/cli) and put `temporal` on PATH or set TEMPORAL_CLI, or install Go so that ' +
        `reprocess can build it with go install github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}.`,
    );
  }
  await goInstall(target, log, env);
  return target;
}

async function tryDownload(target: string, log: Log): Promise<boolean> {
  const platform = process.platform === 'darwin' ? 'darwin' : process.platform === 'linux' ? 'linux' : null;
  const arch = process.arch === 'x64' ? 'amd64' : process.arch === 'arm64' ? 'arm64' : null;
  if (platform === null || arch === null) return false;
  const url = `https://temporal.download/cli/archive/v${TEMPORAL_CLI_VERSION}?platform=${platform}&arch=${arch}`;
  // Unpacked next to its final place, so the last step is a rename within one file system.
  const workDir = await fs.mkdtemp(path.join(path.dirname(target), '.download-'));
  try {
    // A quick answer or none (no internet): the headers must come within 10 s; the body then gets 5 minutes.
    const headers = new AbortController();
    const noAnswer = setTimeout(() => headers.abort(), 10_000);
    const response = await fetch(url, { signal: AbortSignal.any([headers.signal, AbortSignal.timeout(300_000)]) });
    clearTimeout(noAnswer);
    if (!response.ok || response.body === null) return false;
    log(`Downloading the Temporal CLI ${TEMPORAL_CLI_VERSION}…`);
    const archive = path.join(workDir, 'temporal.tar.gz');
    await pipeline(Readable.fromWeb(response.body as never), createWriteStream(archive));
    await execFileAsync('tar', ['-xzf', archive, '-C', workDir, 'temporal']);
    await fs.chmod(path.join(workDir, 'temporal'), 0o755);
    await fs.rename(path.join(workDir, 'temporal'), target);
    return true;
  } catch {
    return false;
  } finally {
    await fs.rm(workDir, { recursive: true, force: true });
  }
}

async function goInstall(target: string, log: Log, env: NodeJS.ProcessEnv): Promise<void> {
  log(
    `Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with go install. This is done once and cached in ` +
      `${path.dirname(target)}; it takes about 4-7 minutes on a 2-core machine…`,
  );
  // Built into a private folder first, so a second setup running at the same time never sees half a binary.
  const gobin = await fs.mkdtemp(path.join(path.dirname(target), '.build-'));
  const started = Date.now();
  try {
    await execFileAsync('go', ['install', `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`], {
      env: { ...env, GOBIN: gobin },
      maxBuffer: 64 * 1024 * 1024,
    });
    await fs.rename(path.join(gobin, 'temporal'), target);
    log(`Temporal CLI built in ${Math.round((Date.now() - started) / 1000)} s: ${target}`);
  } finally {
    await fs.rm(gobin, { recursive: true, force: true });
  }
}
