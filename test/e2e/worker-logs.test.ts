import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { videoInCatalog } from '../../src/api/videos';
import { REPROCESS_WORKFLOW_TYPE, type ReprocessInput } from '../../src/workflows/definitions';
import { openTestCatalog } from '../helpers/catalog';
import { eventually } from '../helpers/gate';
import { addVideo, makeDataDir } from '../helpers/media';
import { startEntrypoint, stopProcess } from '../helpers/processes';
import { startDevServer } from '../helpers/temporal';

describe("e2e: the worker process's log", () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await startDevServer();
  });

  afterAll(async () => {
    await env.teardown();
  });

  it("carries an activity's info line as JSON, with its workflow, run, activity and attempt", async () => {
    const { dataDir, cleanup } = await makeDataDir();
    const taskQueue = `worker-logs-${randomUUID()}`;
    await addVideo(dataDir, 'logged', { seconds: 1, width: 160, height: 120 });
    const { catalog, close } = await openTestCatalog(dataDir);
    await videoInCatalog(catalog, dataDir)('logged');
    await close();
    const worker = startEntrypoint('src/worker.ts', {
      LOG_LEVEL: 'info',
      DATA_DIR: dataDir,
      TEMPORAL_ADDRESS: env.address,
      TASK_QUEUE: taskQueue,
    });
    try {
      const input: ReprocessInput = { videoId: 'logged', steps: ['probe'] };
      const handle = await env.client.workflow.start(REPROCESS_WORKFLOW_TYPE, {
        workflowId: 'logged',
        taskQueue,
        args: [input],
      });
      await handle.result();
      const line = await eventually(() =>
        worker
          .output()
          .split('\n')
          .filter((text) => text.startsWith('{'))
          .map((text) => JSON.parse(text) as Record<string, unknown>)
          .find((entry) => entry['msg'] === 'run recorded'),
      );
      expect(line).toMatchObject({
        level: 30,
        service: 'reprocess',
        component: 'worker',
        workflow_id: 'logged',
        run_id: handle.firstExecutionRunId,
        activity_type: 'recordRunFinished',
        attempt: 1,
        status: 'completed',
      });
      expect(line).not.toHaveProperty('taskToken');
      // One format: every line the worker wrote is JSON.
      const lines = worker
        .output()
        .split('\n')
        .filter((text) => text.trim() !== '');
      expect(lines.filter((text) => !text.startsWith('{'))).toEqual([]);
    } finally {
      await stopProcess(worker);
      await cleanup();
    }
  }, 90_000);
});
