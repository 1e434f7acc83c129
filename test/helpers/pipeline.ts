import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadConfig } from '../../src/config';
import { createWorker } from '../../src/worker';
import { openTestCatalog } from './catalog';
import { makeDataDir } from './media';
import { startDevServer } from './temporal';

export interface Pipeline {
  env: TestWorkflowEnvironment;
  dataDir: string;
  /** Stops the worker and the dev server, and removes the data folder. */
  stop: () => Promise<void>;
}

/** The real pipeline: a dev server, a data folder and the real worker (both queues) polling `taskQueue`. */
export async function startPipeline(taskQueue: string): Promise<Pipeline> {
  const env = await startDevServer();
  const { dataDir, cleanup } = await makeDataDir();
  const config = loadConfig({ DATA_DIR: dataDir, TASK_QUEUE: taskQueue });
  const worker = await createWorker(config, env.nativeConnection, env.client, {
    catalog: (await openTestCatalog(dataDir)).catalog,
  });
  const running = worker.run();
  return {
    env,
    dataDir,
    stop: async () => {
      worker.shutdown();
      await running;
      await env.teardown();
      await cleanup();
    },
  };
}
