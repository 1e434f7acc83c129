import os from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps, type SignalProgress } from './activities';
import { loadConfigOrExit, type Config } from './config';
import { createLogger } from './logger';
import { prepareProcess } from './startup';
import { sdkLoggerFor } from './temporal-logger';
import { temporalConnectionOptions } from './temporal-connection';
import { subtaskProgressSignal } from './workflows/definitions';

/**
 * A cancellation reaches an activity only in the answer to one of its heartbeats, and the SDK sends them at most
 * every 80 % of the heartbeat timeout by default: 8 s for our media steps. Two seconds bounds how long a cancelled
 * or failed run leaves ffmpeg running; heartbeats cost no history.
 */
export const HEARTBEAT_THROTTLE = {
  maxHeartbeatThrottleInterval: '2 seconds',
  defaultHeartbeatThrottleInterval: '2 seconds',
} as const;

/** Activities report progress by signalling their own workflow through an ordinary client. */
export function signalThrough(client: Client): SignalProgress {
  return (workflowId, runId, report) =>
    client.workflow.getHandle(workflowId, runId).signal(subtaskProgressSignal, report);
}

/** Builds a worker for the given config; tests call this with their own connections. */
export async function createWorker(
  config: Config,
  connection: NativeConnection,
  client: Client,
  extra: Pick<ActivityDeps, 'catalog' | 'observe'>,
): Promise<Worker> {
  const cores = Math.max(1, os.availableParallelism());
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowsPath: require.resolve('./workflows'),
    // ffmpeg uses every core it is given; a handful of concurrent steps keeps them busy without thrashing.
    maxConcurrentActivityTaskExecutions: Math.max(4, cores * 2),
    ...HEARTBEAT_THROTTLE,
    activities: createActivities({
      dataDir: config.dataDir,
      ffmpegPath: config.ffmpegPath,
      ffprobePath: config.ffprobePath,
      probeTimeoutMs: 60_000,
      signalProgress: signalThrough(client),
      cores,
      ...extra,
    }),
  });
}

async function run(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel).child({ component: 'worker' });
  // The SDK's logger is ours: the workflows' and activities' own lines, and the SDK's, in one JSON log.
  Runtime.install({ logger: sdkLoggerFor(logger) });
  const { catalog, database } = await prepareProcess(config, 'worker', logger);
  const temporalOptions = temporalConnectionOptions(config.temporal);
  const connection = await NativeConnection.connect(temporalOptions);
  const clientConnection = await Connection.connect(temporalOptions);
  try {
    const client = new Client({ connection: clientConnection, namespace: config.temporal.namespace });
    const worker = await createWorker(config, connection, client, { catalog });
    logger.info(
      { taskQueue: config.temporal.taskQueue, namespace: config.temporal.namespace, address: config.temporal.address },
      'worker polling',
    );
    // Worker.run() returns after SIGINT/SIGTERM once in-flight tasks have been handed back.
    await worker.run();
    logger.info('worker stopped');
  } finally {
    await clientConnection.close();
    await connection.close();
    await database.close();
  }
}

if (require.main === module) {
  run().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
