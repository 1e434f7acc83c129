import os from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps, type SignalProgress } from './activities';
import { defaultMediaSlots, loadConfigOrExit, type Config, type WorkerQueueRole } from './config';
import { createLogger } from './logger';
import { QueueWorkers } from './queue-workers';
import {
  createWorkerMetrics,
  freeLoopbackPort,
  meteredActivities,
  serveWorkerMetrics,
  type WorkerMetrics,
} from './worker-metrics';
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

/** MEDIA_SLOTS, else the default for these cores, whichever queues the worker serves. */
function mediaSlotsOrDefault(config: Config, cores: number): number {
  return config.worker.mediaSlots ?? defaultMediaSlots(cores);
}

/** Media steps this worker runs at once: MEDIA_SLOTS, else the default for its cores; none without the media queue. */
export function mediaSlotsOf(config: Config): number {
  if (!config.worker.queues.includes('media')) return 0;
  return config.worker.mediaSlots ?? defaultMediaSlots(Math.max(1, os.availableParallelism()));
}

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
  options: { metrics?: WorkerMetrics } = {},
): Promise<QueueWorkers> {
  const cores = Math.max(1, os.availableParallelism());
  const activities = createActivities({
    dataDir: config.dataDir,
    ffmpegPath: config.ffmpegPath,
    ffprobePath: config.ffprobePath,
    probeTimeoutMs: 60_000,
    signalProgress: signalThrough(client),
    cores,
    transcodeParallelism: config.worker.transcodeParallelism ?? mediaSlotsOrDefault(config, cores),
    webhooks: config.webhooks,
    batches: {
      records: extra.catalog.batches(),
      client,
      taskQueue: config.temporal.taskQueue,
      mediaTaskQueue: config.temporal.mediaTaskQueue,
    },
    ...extra,
  });
  const { taskQueue, mediaTaskQueue, namespace } = config.temporal;
  const metrics = options.metrics ?? createWorkerMetrics({ mediaSlots: mediaSlotsOf(config) });
  const serves = (role: WorkerQueueRole) => config.worker.queues.includes(role);
  const common = {
    connection,
    namespace,
    activities,
    interceptors: { activity: [meteredActivities(metrics)] },
    ...HEARTBEAT_THROTTLE,
  };
  const workers: Worker[] = [];
  if (serves('main')) {
    workers.push(
      await Worker.create({
        ...common,
        taskQueue,
        workflowsPath: require.resolve('./workflows'),
        maxConcurrentActivityTaskExecutions: MAIN_QUEUE_SLOTS,
        // The short steps run here as local activities: bounded like the light steps on the queue.
        maxConcurrentLocalActivityExecutions: MAIN_QUEUE_SLOTS,
      }),
    );
  }
  if (serves('media')) {
    workers.push(
      await Worker.create({
        ...common,
        taskQueue: mediaTaskQueue,
        maxConcurrentActivityTaskExecutions: mediaSlotsOf(config),
      }),
    );
  }
  return new QueueWorkers(workers, metrics);
}

async function run(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel).child({ component: 'worker' });
  // The SDK's logger is ours: the workflows' and activities' own lines, and the SDK's, in one JSON log. Its metrics
  // go to a loopback port of their own, served with ours on WORKER_METRICS_PORT. (The port is free when chosen; should
  // another process take it before the SDK binds it, the SDK's part of the page is empty and ours still served.)
  const sdkMetricsPort = config.worker.metrics ? await freeLoopbackPort() : null;
  Runtime.install({
    logger: sdkLoggerFor(logger),
    ...(sdkMetricsPort === null
      ? {}
      : { telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${sdkMetricsPort}` } } } }),
  });
  // Bound first: a port already taken stops the worker with that error before anything holds a connection.
  const metrics = createWorkerMetrics({ processMetrics: true, mediaSlots: mediaSlotsOf(config) });
  const metricsServer = config.worker.metrics
    ? await serveWorkerMetrics({
        registry: metrics.registry,
        sdkMetricsUrl: `http://127.0.0.1:${sdkMetricsPort}/metrics`,
        ...config.worker.metrics,
      })
    : null;
  if (config.worker.metrics) logger.info({ ...config.worker.metrics }, 'worker metrics on /metrics');
  const { catalog, database } = await prepareProcess(config, 'worker', logger);
  const temporalOptions = temporalConnectionOptions(config.temporal);
  const connection = await NativeConnection.connect(temporalOptions);
  const clientConnection = await Connection.connect(temporalOptions);
  try {
    const client = new Client({ connection: clientConnection, namespace: config.temporal.namespace });
    const worker = await createWorker(config, connection, client, { catalog }, { metrics });
    logger.info(
      { taskQueues: worker.taskQueues, namespace: config.temporal.namespace, address: config.temporal.address },
      'worker polling',
    );
    // run() returns after SIGINT/SIGTERM once in-flight tasks have been handed back.
    await worker.run();
    logger.info('worker stopped');
  } finally {
    // A worker created but never run holds the connection, and closing it then throws: that must not hide the error
    // that stopped us.
    await clientConnection.close().catch(() => undefined);
    await connection.close().catch((error: unknown) => logger.debug({ err: error }, 'connection not closed'));
    metricsServer?.close();
    await database.close();
  }
}

if (require.main === module) {
  run().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
