import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import request from 'supertest';
import { AsyncTaskResponse, ErrorEnvelope, TaskProgressResponse } from '../../src/api/models';
import { loadConfig } from '../../src/config';
import { createWorker } from '../../src/worker';
import { openTestCatalog } from '../helpers/catalog';
import { buildApp, unreachableClient } from '../helpers/api';
import { eventually } from '../helpers/gate';
import { addVideo, makeDataDir } from '../helpers/media';
import { freePort } from '../helpers/ports';
import { startDevServer } from '../helpers/temporal';

/**
 * The API when what it depends on goes away: a worker that stops, and the Temporal server itself stopping and
 * coming back. The API is built once, as a deployment would run it, and never restarted.
 */
describe('reprocess API through outages', () => {
  const queryTimeoutMs = 1_000;
  let env: TestWorkflowEnvironment | null = null;
  let port: number;
  let dbFilename: string;
  let dataDir: string;
  let cleanup: () => Promise<void>;
  const taskQueue = `outage-${randomUUID()}`;
  let api: ReturnType<Awaited<ReturnType<typeof buildApp>>['callback']>;

  beforeAll(async () => {
    ({ dataDir, cleanup } = await makeDataDir());
    port = await freePort();
    dbFilename = path.join(dataDir, 'temporal.db');
    env = await startDevServer({ port, dbFilename });
    await addVideo(dataDir, 'clip', { seconds: 2, width: 320, height: 240 });
    await addVideo(dataDir, 'later', { seconds: 1, width: 160, height: 120 });
    // The API's own lazy client, as the server makes it: it must outlive the Temporal server it talks to.
    api = (await buildApp(unreachableClient(port), dataDir, taskQueue, { queryTimeoutMs })).callback();
  });

  afterAll(async () => {
    await env?.teardown();
    await cleanup();
  });

  it('answers stale: true, not a timeout, once the worker has stopped', async () => {
    const config = loadConfig({ DATA_DIR: dataDir, TASK_QUEUE: taskQueue });
    const worker = await createWorker(config, env!.nativeConnection, env!.client, {
      catalog: (await openTestCatalog(dataDir)).catalog,
    });
    const running = worker.run();
    const started = await request(api)
      .post('/api/v1/videos/clip/reprocess')
      .send({ steps: ['scenes'] });
    expect(started.status).toBe(202);
    await eventually(async () => {
      const body = (await request(api).get('/api/v1/videos/clip/reprocess')).body as TaskProgressResponse;
      return body.status === 'completed' && !body.stale ? true : undefined;
    });
    worker.shutdown();
    await running;

    // The guard is a hang detector, not a speed check: the server's own deadline is queryTimeoutMs.
    const response = await request(api)
      .get('/api/v1/videos/clip/reprocess')
      .timeout(queryTimeoutMs + 5_000);
    expect(response.status).toBe(200);
    const body = TaskProgressResponse.parse(response.body);
    expect(body).toMatchObject({
      stale: true,
      status: 'completed',
      run_id: AsyncTaskResponse.parse(started.body).run_id,
    });
    // The worker polled moments ago, so Temporal still lists it: the message says so, and the answer is the last
    // live one, with its subtasks.
    expect(body.message).toMatch(/did not answer within 1000 ms \(workers busy, or one just stopped\)/);
    expect(body.message).toMatch(/last one the workflow gave/);
    expect(body.progress).toBe(100);
    expect(body.subtasks.find((subtask) => subtask.name === 'scenes')?.status).toBe('completed');
  });

  it('answers 503 while Temporal is stopped, and recovers once it is back, with no restart', async () => {
    await env!.teardown();
    env = null;

    const post = await request(api).post('/api/v1/videos/later/reprocess').timeout(15_000);
    expect(post.status).toBe(503);
    expect(ErrorEnvelope.parse(post.body).error.code).toBe('ORCHESTRATOR_UNAVAILABLE');
    const get = await request(api).get('/api/v1/videos/clip/reprocess').timeout(15_000);
    expect(get.status).toBe(503);
    expect(ErrorEnvelope.parse(get.body).error.code).toBe('ORCHESTRATOR_UNAVAILABLE');
    const ready = await request(api).get('/readyz').timeout(15_000);
    expect(ready.status).toBe(503);
    expect(ErrorEnvelope.parse(ready.body).error.code).toBe('NOT_READY');
    expect((await request(api).get('/healthz')).status).toBe(200);

    // The same server comes back on the same port with the same database: what it knew, it still knows.
    env = await startDevServer({ port, dbFilename });
    await eventually(async () => ((await request(api).get('/readyz')).status === 200 ? true : undefined), 30_000);
    const again = await request(api).get('/api/v1/videos/clip/reprocess');
    expect(again.status).toBe(200);
    expect(TaskProgressResponse.parse(again.body).status).toBe('completed');
    const restarted = await request(api).post('/api/v1/videos/later/reprocess');
    expect(restarted.status).toBe(202);
    await env.client.workflow.getHandle('later').terminate('test done');
  });
});
