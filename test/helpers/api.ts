import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { createApp } from '../../src/api/app';
import { Orchestrator } from '../../src/api/orchestrator';

/** The app as the server builds it, against any Temporal client; logs off so test output stays readable. */
export function buildApp(client: Client, dataDir: string, taskQueue: string, queryTimeoutMs = 2_000) {
  const orchestrator = new Orchestrator(client, { taskQueue, queryTimeoutMs, commandTimeoutMs: 3_000 });
  return createApp({ orchestrator, dataDir, logger: pino({ level: 'silent' }), maxJsonBytes: 1024 });
}

/** A client for a Temporal that is not there: every call fails the way an outage does. */
export function unreachableClient(port: number): Client {
  return new Client({ connection: Connection.lazy({ address: `127.0.0.1:${port}` }) });
}
