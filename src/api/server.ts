import { Client, Connection } from '@temporalio/client';
import { loadConfigOrExit } from '../config';
import { createLogger } from '../logger';
import { createApp } from './app';
import { Orchestrator } from './orchestrator';

function run(): void {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel).child({ component: 'api' });
  // Lazy: the API starts, and answers 503, even while Temporal is down; it connects on the first call.
  const connection = Connection.lazy({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const orchestrator = new Orchestrator(client, {
    taskQueue: config.temporal.taskQueue,
    queryTimeoutMs: config.queryTimeoutMs,
  });
  const app = createApp({ orchestrator, dataDir: config.dataDir, logger });
  const server = app.listen(config.port, config.host, () => {
    logger.info({ url: `http://${config.host}:${config.port}` }, 'api listening');
  });

  const stop = (signal: string) => {
    logger.info({ signal }, 'api stopping');
    server.close(() => {
      void connection.close().finally(() => process.exit(0));
    });
    // Keep-alive connections would hold close() open; a stopping API owes them nothing.
    server.closeAllConnections();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

try {
  run();
} catch (error) {
  console.error(error);
  process.exit(1);
}
