import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import request from 'supertest';
import { TaskProgressResponse } from '../../src/api/models';
import { buildApp } from '../helpers/api';
import { eventually } from '../helpers/gate';
import { addVideo, makeDataDir } from '../helpers/media';
import { startDevServer } from '../helpers/temporal';

describe('GET /api/v1/videos/:video_id/reprocess when the workflow cannot answer', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await startDevServer();
  });

  afterAll(async () => {
    await env.teardown();
  });

  it('answers queued for a run whose worker stopped after the run was recorded but before any step began', async () => {
    const worker = await makeDataDir();
    const api = await makeDataDir();
    const taskQueue = `stale-queued-${randomUUID()}`;
    try {
      for (const dataDir of [worker.dataDir, api.dataDir]) {
        await addVideo(dataDir, 'early', { seconds: 1, width: 160, height: 120 });
      }
      // A worker for the workflow alone polls no activity tasks: the test completes the run's record itself, the
      // workflow then schedules the probe, and no step starts.
      const workflowsOnly = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowsPath: require.resolve('../../src/workflows'),
      });
      const running = workflowsOnly.run();
      // The API's own catalog has no snapshot of the run, so its answer can only come from Temporal's record.
      const app = (await buildApp(env.client, api.dataDir, taskQueue, { queryTimeoutMs: 1_000 })).callback();
      expect((await request(app).post('/api/v1/videos/early/run_sync')).status).toBe(202);
      const handle = env.client.workflow.getHandle('early');
      const pendingOf = async (type: string) =>
        ((await handle.describe()).raw.pendingActivities ?? []).find(
          (activity) => activity.activityType?.name === type,
        );
      const record = await eventually(() => pendingOf('recordRunStarted'));
      await env.client.activity.complete({ workflowId: 'early', activityId: record.activityId! }, undefined);
      await eventually(() => pendingOf('probe'));
      workflowsOnly.shutdown();
      await running;

      const answer = TaskProgressResponse.parse((await request(app).get('/api/v1/videos/early/reprocess')).body);
      expect(answer).toMatchObject({ stale: true, status: 'queued', progress: 0 });
      // The history is past a run's opening events: its length is no longer what decides.
      expect((await handle.describe()).historyLength).toBeGreaterThan(8);
      await handle.terminate('test over');
    } finally {
      await worker.cleanup();
      await api.cleanup();
    }
  }, 60_000);
});
