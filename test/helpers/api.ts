import { Client } from '@temporalio/client';
import pino from 'pino';
import { createApp, type AppDeps, type ReprocessApp } from '../../src/api/app';
import { lazyConnection, Orchestrator } from '../../src/api/orchestrator';

export type AppOptions = Partial<Pick<AppDeps, 'apiKeys' | 'eventPollMs' | 'keepAliveMs' | 'metrics'>> & {
  queryTimeoutMs?: number;
  commandTimeoutMs?: number;
};

/** The app as the server builds it, against any Temporal client; logs off so test output stays readable. */
export function buildApp(client: Client, dataDir: string, taskQueue: string, options: AppOptions = {}): ReprocessApp {
  const { queryTimeoutMs = 2_000, commandTimeoutMs = 3_000, ...rest } = options;
  const orchestrator = new Orchestrator(client, { taskQueue, queryTimeoutMs, commandTimeoutMs });
  return createApp({
    orchestrator,
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
