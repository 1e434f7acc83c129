import os from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps, type SignalProgress } from './activities';
import { defaultMediaSlots, loadConfigOrExit, type Config, type WorkerQueueRole } from './config';
import { createLogger } from './logger';
import { QueueWorkers } from './queue-workers';
import { createWorkerMetrics, freeLoopbackPort, meteredActivities, serveWorkerMetrics } from './worker-metrics';
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

/**
 * Light steps at once on the run's own queue: ffprobe and catalog writes, which wait on I/O rather than cores. Also
 * the media steps of runs started before queues were split, which were scheduled there.
 */
const MAIN_QUEUE_SLOTS = 16;

/**
 * Builds the workers of one process for the given config, one per queue it serves (WORKER_QUEUES): the run's own
 * queue with the workflow and its light steps, and the media queue with at most MEDIA_SLOTS media steps at once.
 * Both register every activity, so a run scheduled before the split still finds its steps. Tests call this with
 * their own connections.
 */
export async function createWorker(
  config: Config,
  connection: NativeConnection,
  client: Client,
  extra: Pick<ActivityDeps, 'catalog' | 'observe'>,
  options: { processMetrics?: boolean } = {},
): Promise<QueueWorkers> {
  const cores = Math.max(1, os.availableParallelism());
  const mediaSlots = config.worker.mediaSlots ?? defaultMediaSlots(cores);
  const activities = createActivities({
    dataDir: config.dataDir,
    ffmpegPath: config.ffmpegPath,
    ffprobePath: config.ffprobePath,
    probeTimeoutMs: 60_000,
    signalProgress: signalThrough(client),
    cores,
    ...extra,
  });
  const { taskQueue, mediaTaskQueue, namespace } = config.temporal;
  const metrics = createWorkerMetrics({ processMetrics: options.processMetrics ?? false, mediaSlots });
  const serves = (role: WorkerQueueRole) => config.worker.queues.includes(role);
  // One queue for both (MEDIA_TASK_QUEUE = TASK_QUEUE): one worker, with room for both kinds of step.
  const oneQueue = mediaTaskQueue === taskQueue;
  const common = {
    connection,
    namespace,
    activities,
    interceptors: { activity: [meteredActivities(metrics, mediaTaskQueue)] },
    ...HEARTBEAT_THROTTLE,
  };
  const workers: Worker[] = [];
  if (serves('main') || (oneQueue && serves('media'))) {
    workers.push(
      await Worker.create({
        ...common,
        taskQueue,
        workflowsPath: require.resolve('./workflows'),
        maxConcurrentActivityTaskExecutions: MAIN_QUEUE_SLOTS + (oneQueue ? mediaSlots : 0),
      }),
    );
  }
  if (serves('media') && !oneQueue) {
    workers.push(
      await Worker.create({ ...common, taskQueue: mediaTaskQueue, maxConcurrentActivityTaskExecutions: mediaSlots }),
    );
  }
  return new QueueWorkers(workers, metrics);
}

async function run(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel).child({ component: 'worker' });
  // The SDK's logger is ours: the workflows' and activities' own lines, and the SDK's, in one JSON log. Its metrics
  // go to a loopback port of their own, served with ours on WORKER_METRICS_PORT.
  const sdkMetricsPort = config.worker.metrics ? await freeLoopbackPort() : null;
  Runtime.install({
    logger: sdkLoggerFor(logger),
    ...(sdkMetricsPort === null
      ? {}
      : { telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${sdkMetricsPort}` } } } }),
  });
  const { catalog, database } = await prepareProcess(config, 'worker', logger);
  const temporalOptions = temporalConnectionOptions(config.temporal);
  const connection = await NativeConnection.connect(temporalOptions);
  const clientConnection = await Connection.connect(temporalOptions);
  try {
    const client = new Client({ connection: clientConnection, namespace: config.temporal.namespace });
    const worker = await createWorker(config, connection, client, { catalog }, { processMetrics: true });
    const metricsServer = config.worker.metrics
      ? await serveWorkerMetrics({
          registry: worker.metrics.registry,
          sdkMetricsUrl: `http://127.0.0.1:${sdkMetricsPort}/metrics`,
          ...config.worker.metrics,
        })
      : null;
    if (config.worker.metrics) logger.info({ ...config.worker.metrics }, 'worker metrics on /metrics');
    logger.info(
      { taskQueues: worker.taskQueues, namespace: config.temporal.namespace, address: config.temporal.address },
      'worker polling',
    );
    // run() returns after SIGINT/SIGTERM once in-flight tasks have been handed back.
    await worker.run();
    metricsServer?.close();
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
