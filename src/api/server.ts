import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfigOrExit } from '../config';
import { createLogger } from '../logger';
import { prepareProcess } from '../startup';
import { temporalConnectionOptions } from '../temporal-connection';
import { createApp } from './app';
import { checkBind, UnsafeBindError } from './bind';
import { createMetrics } from './metrics';
import { connectOrchestrator } from './orchestrator';
import { answerClientErrorsInEnvelope } from './client-errors';
import { sweepAbandonedUploads } from './upload';

async function run(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel).child({ component: 'api' });
  let bind: ReturnType<typeof checkBind>;
  try {
    bind = checkBind(config.host, config.apiKeys);
  } catch (error) {
    if (!(error instanceof UnsafeBindError)) throw error;
    logger.fatal(error.message);
    console.error(error.message);
    process.exit(1);
  }
  const { catalog, database } = await prepareProcess(config, 'api', logger);
  const swept = await sweepAbandonedUploads(config.dataDir);
  if (swept > 0) logger.info({ files: swept }, 'removed uploads abandoned by an earlier process');
  const temporal = connectOrchestrator(temporalConnectionOptions(config.temporal), {
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    mediaTaskQueue: config.temporal.mediaTaskQueue,
    queryTimeoutMs: config.queryTimeoutMs,
  });
  const { orchestrator } = temporal;
  const app = createApp({
    orchestrator,
    catalog,
    dataDir: config.dataDir,
    logger,
    apiKeys: config.apiKeys,
    bindHost: config.host,
    browsers: config.browsers,
    eventStreams: config.eventStreams,
    ffprobePath: config.ffprobePath,
    maxUploadBytes: config.maxUploadBytes,
    callbacks: {
      enabled: config.webhooks.secrets.length > 0,
      allowPrivate: config.webhooks.allowPrivate,
      retryScheduleMs: config.webhooks.retryScheduleMs,
    },
    mediaTokens: config.mediaTokens,
    batchMaxConcurrency: config.batchMaxConcurrency,
    temporalUi: { uiUrl: config.temporal.uiUrl, namespace: config.temporal.namespace },
    metrics: createMetrics({ processMetrics: true }),
    version: packageVersion(),
  });
  const server = app.listen(config.port, config.host, () => {
    logger.info({ url: `http://${config.host}:${config.port}`, keys: config.apiKeys.length }, 'api listening');
    if (bind.open) logger.warn(bind.notice);
    else logger.info(bind.notice);
  });

  // Uploads of several GiB take longer than Node's 5-min default for receiving a whole request; an idle socket is
  // still closed after 2 min (event streams send keep-alives and turn the idle timeout off for themselves).
  answerClientErrorsInEnvelope(server);
  server.requestTimeout = 0;
  server.timeout = 120_000;

  const stop = (signal: string) => {
    logger.info({ signal }, 'api stopping');
    server.close(() => {
      void Promise.allSettled([temporal.close(), database.close()]).finally(() => process.exit(0));
    });
    // Keep-alive connections and event streams would hold close() open; a stopping API owes them nothing.
    server.closeAllConnections();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

/** The version the OpenAPI document states; src/api and dist/api both sit two levels below package.json. */
function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

run().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
