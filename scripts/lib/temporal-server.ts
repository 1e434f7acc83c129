import { execFile, execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { isExecutableFile, which } from './which';

const execFileAsync = promisify(execFile);

/** The Temporal server version `npm run cluster` runs: the one the CLI's dev server embeds. */
export const TEMPORAL_SERVER_VERSION = '1.29.1';

/** The Temporal UI server the CLI of TEMPORAL_CLI_VERSION embeds, known to work with that server. */
export const TEMPORAL_UI_SERVER_VERSION = '2.42.1';

const SERVER_MODULE = 'go.temporal.io/server';
const UI_SERVER_MODULE = 'github.com/temporalio/ui-server/v2';

type Log = (message: string) => void;

/** What running a multi-service Temporal server takes: its two programs and the SQL schema they install. */
export interface TemporalServerBinaries {
  /** `temporal-server` (the module's cmd/server). */
  server: string;
  /** `temporal-sql-tool` (the module's cmd/tools/sql). */
  sqlTool: string;
  /** The module's schema/postgresql/v12 folder: `temporal/versioned` and `visibility/versioned` inside. */
  schemaDir: string;
}

/** Where the built server programs are kept: the user's cache dir, never the repository. */
export function cachedTemporalServerDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheHome(env), 'reprocess', 'temporal-server', TEMPORAL_SERVER_VERSION);
}

/** Where the built UI server is kept. */
export function cachedTemporalUiServerPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheHome(env), 'reprocess', 'temporal-ui-server', TEMPORAL_UI_SERVER_VERSION, 'temporal-ui-server');
}

/**
 * Finds the server without building anything: TEMPORAL_SERVER / TEMPORAL_SQL_TOOL / TEMPORAL_SCHEMA_DIR where set,
 * else the cached build and the module's schema in the Go module cache. Null when any of the three is missing.
 */
export function findTemporalServer(env: NodeJS.ProcessEnv = process.env): TemporalServerBinaries | null {
  const { server, sqlTool } = findPrograms(env);
  const schemaDir = findSchemaDir(env);
  return server && sqlTool && schemaDir ? { server, sqlTool, schemaDir } : null;
}

/**
 * Finds the server, or builds it with `go install` (once, cached), and fetches the module's schema folder into the Go
 * module cache where it is missing.
 */
export async function ensureTemporalServer(
  log: Log,
  env: NodeJS.ProcessEnv = process.env,
): Promise<TemporalServerBinaries> {
  const found = findTemporalServer(env);
  if (found) return found;
  if (which('go', env['PATH']) === null) {
    throw new Error(
      `The Temporal server ${TEMPORAL_SERVER_VERSION} is needed and Go is not installed to build it. Install Go, or ` +
        'set TEMPORAL_SERVER and TEMPORAL_SQL_TOOL to the temporal-server and temporal-sql-tool programs of a ' +
        'release and TEMPORAL_SCHEMA_DIR to its schema/postgresql/v12 folder.',
    );
  }
  const { server, sqlTool } = findPrograms(env);
  if (server === null || sqlTool === null) {
    const dir = cachedTemporalServerDir(env);
    log(
      `Building the Temporal server ${TEMPORAL_SERVER_VERSION} and its SQL tool with go install. This is done once ` +
        `and cached in ${dir}; it takes about 2-3 minutes on a 2-core machine…`,
    );
    await goInstall(
      dir,
      [
        `${SERVER_MODULE}/cmd/server@v${TEMPORAL_SERVER_VERSION}`,
        `${SERVER_MODULE}/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`,
      ],
      { server: 'temporal-server', sql: 'temporal-sql-tool' },
      env,
    );
    log(`Temporal server built: ${dir}`);
  } else {
    // The programs are cached but the module cache was cleaned: only the source, for its schema folder, is fetched.
    log(`Fetching the Temporal server ${TEMPORAL_SERVER_VERSION} module for its SQL schema…`);
    await execFileAsync('go', ['mod', 'download', `${SERVER_MODULE}@v${TEMPORAL_SERVER_VERSION}`], {
      // Outside any Go module, so that no go.mod of the working directory is consulted or changed.
      cwd: os.tmpdir(),
      env,
      maxBuffer: 64 * 1024 * 1024,
    });
  }
  const built = findTemporalServer(env);
  if (!built) throw new Error(`The Temporal server ${TEMPORAL_SERVER_VERSION} was built but cannot be found`);
  return built;
}

/** Finds the UI server without building anything: TEMPORAL_UI_SERVER where set, else the cached build. */
export function findTemporalUiServer(env: NodeJS.ProcessEnv = process.env): string | null {
  const cached = cachedTemporalUiServerPath(env);
  return explicitExecutable(env, 'TEMPORAL_UI_SERVER') ?? (isExecutableFile(cached) ? cached : null);
}

/** Finds the UI server, or builds it with `go install` (once, cached; about a minute once the server is built). */
export async function ensureTemporalUiServer(log: Log, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const found = findTemporalUiServer(env);
  if (found) return found;
  if (which('go', env['PATH']) === null) {
    throw new Error('Go is not installed to build the Temporal UI server; set TEMPORAL_UI_SERVER to one');
  }
  const target = cachedTemporalUiServerPath(env);
  log(
    `Building the Temporal UI server ${TEMPORAL_UI_SERVER_VERSION} with go install. This is done once and cached in ` +
      `${path.dirname(target)}; it takes about 1-2 minutes on a 2-core machine…`,
  );
  await goInstall(
    path.dirname(target),
    [`${UI_SERVER_MODULE}/cmd/server@v${TEMPORAL_UI_SERVER_VERSION}`],
    { server: path.basename(target) },
    env,
  );
  log(`Temporal UI server built: ${target}`);
  return target;
}

function cacheHome(env: NodeJS.ProcessEnv): string {
  return env['XDG_CACHE_HOME'] || path.join(os.homedir(), '.cache');
}

function findPrograms(env: NodeJS.ProcessEnv): { server: string | null; sqlTool: string | null } {
  const cached = (name: string) => {
    const file = path.join(cachedTemporalServerDir(env), name);
    return isExecutableFile(file) ? file : null;
  };
  return {
    server: explicitExecutable(env, 'TEMPORAL_SERVER') ?? cached('temporal-server'),
    sqlTool: explicitExecutable(env, 'TEMPORAL_SQL_TOOL') ?? cached('temporal-sql-tool'),
  };
}

function explicitExecutable(env: NodeJS.ProcessEnv, name: string): string | null {
  const explicit = env[name];
  if (!explicit) return null;
  if (!isExecutableFile(explicit)) throw new Error(`${name}=${explicit} is not an executable file`);
  return path.resolve(explicit);
}

function findSchemaDir(env: NodeJS.ProcessEnv): string | null {
  const explicit = env['TEMPORAL_SCHEMA_DIR'];
  if (explicit) {
    if (!existsSync(path.join(explicit, 'temporal', 'versioned'))) {
      throw new Error(
        `TEMPORAL_SCHEMA_DIR=${explicit} has no temporal/versioned folder (expected schema/postgresql/v12)`,
      );
    }
    return path.resolve(explicit);
  }
  const modCache = goModCache(env);
  if (modCache === null) return null;
  const schemaDir = path.join(modCache, `${SERVER_MODULE}@v${TEMPORAL_SERVER_VERSION}`, 'schema', 'postgresql', 'v12');
  return existsSync(path.join(schemaDir, 'temporal', 'versioned')) ? schemaDir : null;
}

/** `go env GOMODCACHE`: null without Go. */
function goModCache(env: NodeJS.ProcessEnv): string | null {
  if (which('go', env['PATH']) === null) return null;
  try {
    return execFileSync('go', ['env', 'GOMODCACHE'], { env, encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** `go install`s the packages into `dir`, each program renamed as `names` says (Go names them after their folder). */
async function goInstall(
  dir: string,
  packages: string[],
  names: Record<string, string>,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  // Built into a private folder first, so a second setup running at the same time never sees half a binary.
  const gobin = await fs.mkdtemp(path.join(dir, '.build-'));
  try {
    await execFileAsync('go', ['install', ...packages], {
      env: { ...env, GOBIN: gobin },
      maxBuffer: 64 * 1024 * 1024,
    });
    for (const [built, name] of Object.entries(names)) await fs.rename(path.join(gobin, built), path.join(dir, name));
  } finally {
    await fs.rm(gobin, { recursive: true, force: true });
  }
}
