// `npm run up`: the whole service on one machine — Temporal dev server (state in DATA_DIR), worker and API.
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { isLoopback } from '../src/api/bind';
import { loadConfigOrExit } from '../src/config';
import { REPROCESS_STAGE } from '../src/workflows/definitions';
import { ensureTemporalCli } from './lib/temporal-cli';
import { isListening } from './lib/listening';
import { buildDashboard } from './lib/web-build';
import { priorityDevServerArgs } from './lib/task-priority';

const config = loadConfigOrExit();
const log = (message: string) => console.log(`reprocess: ${message}`);

/** A process `up` keeps running: restarted when it exits unexpectedly, stopped only by Ctrl-C. */
interface Supervised {
  name: string;
  command: string;
  args: string[];
  process: ChildProcess;
  startedAt: number;
  /** Unexpected exits in a row, each within STABLE_MS of its start: the next restart waits 2^failures s. */
  failures: number;
  restart: NodeJS.Timeout | undefined;
}

/** A process that stayed up this long counts as healthy again: its next crash is restarted after 1 s. */
const STABLE_MS = 60_000;
const FIRST_RESTART_MS = 1_000;
const LONGEST_RESTART_MS = 30_000;

const children: Supervised[] = [];
let stopping = false;

async function run(): Promise<void> {
  await fs.mkdir(path.join(config.dataDir, 'media'), { recursive: true });
  const [host, portText] = splitAddress(config.temporal.address);

  if (await isListening(host, Number(portText))) {
    log(`using the Temporal server already listening on ${config.temporal.address}`);
    await registerSearchAttribute();
  } else {
    if (!isLoopback(host)) {
      // The dev server has no authentication: bound beyond loopback, anyone on the network could run, read and
      // cancel workflows. Saying so in a log line nobody reads is not enough; it is refused.
      throw new Error(
        `refusing to start the Temporal dev server on ${config.temporal.address}: it has no authentication, and ` +
          `${host} is reachable from other machines. Use a loopback TEMPORAL_ADDRESS (127.0.0.1:7233), or run a ` +
          'Temporal server of your own there with authentication (npm run up uses one that is already listening).',
      );
    }
    const cli = await ensureTemporalCli(log);
    start('temporal', cli, [
      'server',
      'start-dev',
      '--db-filename',
      path.join(config.dataDir, 'temporal.sqlite'),
      '--ip',
      host,
      '--port',
      portText,
      '--ui-port',
      String(config.temporal.uiPort),
      '--namespace',
      config.temporal.namespace,
      '--search-attribute',
      `${REPROCESS_STAGE.name}=Keyword`,
      // Runs a batch starts yield to a person's only with these (scripts/lib/task-priority.ts).
      ...priorityDevServerArgs(),
      // Its warnings on shutdown are about its own internal pollers; errors are what an operator needs.
      '--log-level',
      'error',
    ]);
    await waitFor(() => isListening(host, Number(portText)), 30_000, 'the Temporal dev server');
  }

  // tsx as a loader in the process itself, not its CLI (which runs the entry in a child of its own): a signal, or a
  // crash, then reaches the process that does the work, and a restart never finds an orphan holding its port.
  buildDashboard();
  start('worker', process.execPath, ['--import', 'tsx', 'src/worker.ts']);
  start('api', process.execPath, ['--import', 'tsx', 'src/api/server.ts']);
  await waitFor(() => isListening(config.host, config.port), 60_000, 'the API');
  if (stopping) return;

  const api = `http://${config.host}:${config.port}`;
  console.log(`
reprocess is up (Ctrl-C stops everything)
  Dashboard    ${api}/
  API          ${api}/api/v1/videos/{video_id}/run_sync   (videos live in ${path.join(config.dataDir, 'media')}/{video_id}/source.<ext>)
  API docs     ${api}/docs   (OpenAPI: ${api}/openapi.json)
  Health       ${api}/healthz · ${api}/readyz · ${api}/metrics
  Temporal UI  ${config.temporal.uiUrl}
  Temporal     ${config.temporal.address} (namespace ${config.temporal.namespace}, task queues ${config.temporal.taskQueue} and ${config.temporal.mediaTaskQueue})
`);
}

/**
 * A server we did not start may lack the search attribute the workflow keeps current; without it every run's first
 * workflow task would fail. Registering an attribute that exists already is refused, which is fine.
 */
async function registerSearchAttribute(): Promise<void> {
  const connection = await Connection.connect({ address: config.temporal.address, connectTimeout: 5_000 });
  try {
    await connection.operatorService.addSearchAttributes({
      namespace: config.temporal.namespace,
      searchAttributes: { [REPROCESS_STAGE.name]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD },
    });
    log(`registered the ${REPROCESS_STAGE.name} search attribute`);
  } catch (error) {
    if (!/already exists/i.test(error instanceof Error ? error.message : '')) {
      log(`could not register the ${REPROCESS_STAGE.name} search attribute (${String(error)}); register it with:`);
      log(`  temporal operator search-attribute create --name ${REPROCESS_STAGE.name} --type Keyword`);
    }
  } finally {
    await connection.close();
  }
}

function start(name: string, command: string, args: string[]): void {
  // Ctrl-C while the service was coming up: nothing more is started.
  if (stopping) return;
  const entry: Supervised = {
    name,
    command,
    args,
    process: launch(name, command, args),
    startedAt: Date.now(),
    failures: 0,
    restart: undefined,
  };
  children.push(entry);
  watch(entry);
}

function launch(name: string, command: string, args: string[]): ChildProcess {
  // Own process group: Ctrl-C reaches only this script, which then stops each child once, in order.
  const child = spawn(command, args, { stdio: 'inherit', detached: true });
  log(`${name} started (pid ${child.pid})`);
  return child;
}

/**
 * One process exiting must not take the others down: it is restarted, after 1 s, then 2, 4 … up to 30 s while it
 * keeps failing at once, so a crash loop neither spins nor gives up. Only Ctrl-C stops the service.
 */
function watch(entry: Supervised): void {
  let handled = false;
  // A process that could not be started at all (its program gone, no memory to fork) is retried like one that died.
  const onEnd = (why: string) => {
    if (handled || stopping) return;
    handled = true;
    if (Date.now() - entry.startedAt > STABLE_MS) entry.failures = 0;
    const delay = Math.min(LONGEST_RESTART_MS, FIRST_RESTART_MS * 2 ** entry.failures);
    entry.failures += 1;
    console.error(`reprocess: ${entry.name} ${why}; restarting it in ${delay / 1000} s`);
    entry.restart = setTimeout(() => {
      if (stopping) return;
      entry.process = launch(entry.name, entry.command, entry.args);
      entry.startedAt = Date.now();
      watch(entry);
    }, delay);
  };
  entry.process.once('exit', (code, signal) => onEnd(`exited unexpectedly (${code ?? signal})`));
  entry.process.on('error', (error) => onEnd(`could not be started (${error.message})`));
}

/** Stops the API and worker first (they talk to Temporal), then the server. */
async function stopAll(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  log('stopping… (Ctrl-C again to kill at once)');
  for (const entry of children) clearTimeout(entry.restart);
  const order = ['api', 'worker', 'temporal'];
  for (const name of order) {
    const entry = children.find((candidate) => candidate.name === name);
    if (entry) await stopChild(entry.process);
  }
  process.exit(exitCode);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function splitAddress(address: string): [string, string] {
  const index = address.lastIndexOf(':');
  return [address.slice(0, index), address.slice(index + 1)];
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (stopping) return;
    if (Date.now() > deadline) throw new Error(`${what} did not come up within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// The first Ctrl-C stops everything in order; a second one, for the impatient, kills what is left at once.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (!stopping) {
      void stopAll(0);
      return;
    }
    log('killing what is left');
    for (const { process: child } of children) if (child.exitCode === null) child.kill('SIGKILL');
    process.exit(1);
  });
}
process.once('exit', () => {
  for (const { process: child } of children) if (child.exitCode === null) child.kill('SIGKILL');
});

run().catch((error: unknown) => {
  console.error(`reprocess: ${error instanceof Error ? error.message : String(error)}`);
  void stopAll(1);
});
