import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from './activities';
import { loadConfigOrExit, type Config } from './config';
import { createLogger } from './logger';

/** Builds a worker for the given config; tests call this with their own connection. */
export async function createWorker(config: Config, connection: NativeConnection): Promise<Worker> {
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowsPath: require.resolve('./workflows'),
    activities: createActivities({
      dataDir: config.dataDir,
      ffmpegPath: config.ffmpegPath,
      ffprobePath: config.ffprobePath,
      probeTimeoutMs: 60_000,
    }),
  });
}

async function run(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel).child({ component: 'worker' });
  // The SDK's own logs (bundle build, state changes) matter to us only when something is wrong.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  try {
    const worker = await createWorker(config, connection);
    logger.info(
      { taskQueue: config.temporal.taskQueue, namespace: config.temporal.namespace, address: config.temporal.address },
      'worker polling',
    );
    // Worker.run() returns after SIGINT/SIGTERM once in-flight tasks have been handed back.
    await worker.run();
    logger.info('worker stopped');
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  run().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
