// `npm run up`: the whole service on one machine — Temporal dev server (state in DATA_DIR), worker and API.
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { loadConfigOrExit } from '../src/config';
import { REPROCESS_STAGE } from '../src/workflows/definitions';
import { ensureTemporalCli } from './lib/temporal-cli';

const config = loadConfigOrExit();
const log = (message: string) => console.log(`reprocess: ${message}`);
const children: { name: string; process: ChildProcess }[] = [];
let stopping = false;

async function run(): Promise<void> {
  await fs.mkdir(path.join(config.dataDir, 'media'), { recursive: true });
  const [host, portText] = splitAddress(config.temporal.address);

  if (await isListening(host, Number(portText))) {
    log(`using the Temporal server already listening on ${config.temporal.address}`);
    await registerSearchAttribute();
  } else {
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
      // Its warnings on shutdown are about its own internal pollers; errors are what an operator needs.
      '--log-level',
      'error',
    ]);
    await waitFor(() => isListening(host, Number(portText)), 30_000, 'the Temporal dev server');
  }

  const tsx = require.resolve('tsx/cli');
  start('worker', process.execPath, [tsx, 'src/worker.ts']);
  start('api', process.execPath, [tsx, 'src/api/server.ts']);
  await waitFor(() => isListening(config.host, config.port), 60_000, 'the API');

  const api = `http://${config.host}:${config.port}`;
  console.log(`
reprocess is up (Ctrl-C stops everything)
  API          ${api}/api/v1/videos/{video_id}/run_sync   (videos live in ${path.join(config.dataDir, 'media')}/{video_id}/source.<ext>)
  API docs     ${api}/docs   (OpenAPI: ${api}/openapi.json)
  Health       ${api}/healthz · ${api}/readyz · ${api}/metrics
  Temporal UI  http://${host}:${config.temporal.uiPort}
  Temporal     ${config.temporal.address} (namespace ${config.temporal.namespace}, task queue ${config.temporal.taskQueue})
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
  // Own process group: Ctrl-C reaches only this script, which then stops each child once, in order.
  const child = spawn(command, args, { stdio: 'inherit', detached: true });
  children.push({ name, process: child });
  child.once('exit', (code, signal) => {
    if (stopping) return;
    console.error(`reprocess: ${name} exited unexpectedly (${code ?? signal}); stopping the rest`);
    void stopAll(1);
  });
}

/** Stops the API and worker first (they talk to Temporal), then the server. */
async function stopAll(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  log('stopping… (Ctrl-C again to kill at once)');
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

function isListening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
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
