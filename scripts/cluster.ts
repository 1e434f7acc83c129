// `npm run cluster`: a real Temporal server — frontend, history, matching and worker, each its own process — on
// PostgreSQL, where `npm run up` would start the single-process dev server. Safe to run again: the schemas stay.
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfigOrExit } from '../src/config';
import { REPROCESS_STAGE } from '../src/workflows/definitions';
import {
  DEFAULT_CLUSTER_PORTS,
  DEFAULT_POSTGRES_URL,
  prepareDatabases,
  TemporalCluster,
  TemporalUi,
  type TemporalService,
} from './lib/cluster';
import { ensureTemporalServer, ensureTemporalUiServer } from './lib/temporal-server';
import { isListening } from './lib/listening';

const config = loadConfigOrExit();
const log = (message: string) => console.log(`reprocess: ${message}`);
// Read here, not in src/config.ts: only this script needs it.
const postgresUrl = process.env['TEMPORAL_POSTGRES_URL'] || DEFAULT_POSTGRES_URL;
const cacheHome = process.env['XDG_CACHE_HOME'] || path.join(os.homedir(), '.cache');

const dir = path.join(cacheHome, 'reprocess', 'cluster');

let cluster: TemporalCluster | null = null;
let ui: TemporalUi | null = null;
let stopping = false;

async function run(): Promise<void> {
  const { frontend } = DEFAULT_CLUSTER_PORTS;
  if (await isListening('127.0.0.1', frontend)) {
    throw new Error(
      `port ${frontend} is already taken (by \`npm run up\`'s dev server, or another Temporal server): stop it first`,
    );
  }
  const binaries = await ensureTemporalServer(log);
  // The UI is a convenience: without Go modules to build it from, the cluster runs without.
  const uiServer = await ensureTemporalUiServer(log).catch((error: unknown) => {
    log(`no Temporal UI: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  });
  await prepareDatabases(binaries, { postgresUrl, log });
  if (stopping) return;
  cluster = new TemporalCluster(binaries, {
    postgresUrl,
    namespace: config.temporal.namespace,
    dir,
    log,
    onUnexpectedExit: (service, why, output) => void stopOnCrash(service, why, output),
  });
  log(`starting the Temporal services (config in ${cluster.options.dir})…`);
  await cluster.start();
  if (uiServer && !stopping) {
    ui = await TemporalUi.start(uiServer, {
      address: cluster.address,
      port: config.temporal.uiPort,
      namespace: config.temporal.namespace,
      dir: path.join(dir, 'ui'),
      log,
    }).catch((error: unknown) => {
      log(`no Temporal UI: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    });
  }

  const catalog = new URL(postgresUrl);
  catalog.pathname = '/reprocess';
  const catalogHint = (await databaseExists(postgresUrl, 'reprocess'))
    ? ''
    : `\n  (the reprocess database does not exist yet: psql ${postgresUrl} -c 'CREATE DATABASE reprocess')`;
  console.log(`
Temporal is up on PostgreSQL (Ctrl-C stops it)
  Address    ${cluster.address}   (namespace ${config.temporal.namespace}, search attribute ${REPROCESS_STAGE.name})
  Services   ${Object.entries(cluster.pids())
    .map(([service, pid]) => `${service} (pid ${pid})`)
    .join(', ')}
  Databases  ${cluster.options.databases.main}, ${cluster.options.databases.visibility} on ${catalog.host}
  UI         ${ui ? ui.url : 'none (it could not be built)'}

Point reprocess at it, e.g. with the catalog on the same PostgreSQL:
  TEMPORAL_ADDRESS=${cluster.address} DATABASE_URL=${catalog.toString()} npm run worker
  TEMPORAL_ADDRESS=${cluster.address} DATABASE_URL=${catalog.toString()} npm run api${catalogHint}
`);
}

async function stopOnCrash(service: TemporalService, why: string, output: string): Promise<void> {
  console.error(`reprocess: the Temporal ${service} service ${why}; its last output:\n${output}`);
  await stop(1);
}

async function stop(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (cluster) {
    log('stopping the Temporal services… (Ctrl-C again to kill them at once)');
    await ui?.stop();
    await cluster.stop();
  }
  process.exit(exitCode);
}

async function databaseExists(url: string, name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Boolean((await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount);
  } finally {
    await client.end();
  }
}

// The first Ctrl-C stops the services in order; a second one kills them (the library kills what is left on exit).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (!stopping) {
      void stop(0);
      return;
    }
    process.exit(1);
  });
}

run().catch((error: unknown) => {
  if (stopping) return;
  console.error(`reprocess: ${error instanceof Error ? error.message : String(error)}`);
  void stop(1);
});
