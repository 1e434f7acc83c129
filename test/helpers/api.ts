import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@temporalio/client';
import pino from 'pino';
import { createApp, type AppDeps, type ReprocessApp } from '../../src/api/app';
import { lazyConnection, Orchestrator } from '../../src/api/orchestrator';
import type { Catalog } from '../../src/store';
import { openTestCatalog } from './catalog';

export type AppOptions = Partial<
  Pick<
    AppDeps,
    | 'apiKeys'
    | 'eventPollMs'
    | 'keepAliveMs'
    | 'metrics'
    | 'catalog'
    | 'maxUploadBytes'
    | 'bindHost'
    | 'browsers'
    | 'eventStreams'
    | 'callbacks'
    | 'maxJsonBytes'
    | 'mediaTokens'
    | 'temporalUi'
    | 'logger'
    | 'batchMaxConcurrency'
  >
> & {
  queryTimeoutMs?: number;
  commandTimeoutMs?: number;
};

/**
 * The app as the server builds it, against any Temporal client and the SQLite catalog in `dataDir` (the one a test's
 * worker shares); logs off so test output stays readable.
 */
export async function buildApp(
  client: Client,
  dataDir: string,
  taskQueue: string,
  options: AppOptions = {},
): Promise<ReprocessApp> {
  const { queryTimeoutMs = 2_000, commandTimeoutMs = 3_000, ...rest } = options;
  const orchestrator = new Orchestrator(client, { taskQueue, queryTimeoutMs, commandTimeoutMs });
  const catalog: Catalog = rest.catalog ?? (await openTestCatalog(dataDir)).catalog;
  return createApp({
    orchestrator,
    catalog,
    dataDir,
    logger: pino({ level: 'silent' }),
    maxJsonBytes: 1024,
    eventPollMs: 200,
    ...rest,
  });
}

/** A client for a Temporal that is not there: every call fails the way an outage does. */
export function unreachableClient(port: number): Client {
  return new Client({ connection: lazyConnection(`127.0.0.1:${port}`) });
}

/** Listens on a free loopback port, for what supertest cannot do: event streams and many concurrent clients. */
export async function listenOn(
  handle: ReturnType<ReprocessApp['callback']>,
): Promise<{ base: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
