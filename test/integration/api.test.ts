import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import request from 'supertest';
import type Koa from 'koa';
import { AsyncTaskResponse, ErrorEnvelope, TaskProgressResponse } from '../../src/api/models';
import { ERROR_CATALOGUE } from '../../src/api/errors';
import { loadConfig } from '../../src/config';
import { createWorker } from '../../src/worker';
import { buildApp, unreachableClient } from '../helpers/api';
import { eventually } from '../helpers/gate';
import { addVideo, makeDataDir } from '../helpers/media';
import { freePort } from '../helpers/ports';
import { startDevServer } from '../helpers/temporal';

type Server = ReturnType<Koa['callback']>;

function expectError(response: request.Response, code: keyof typeof ERROR_CATALOGUE): void {
  expect(response.status).toBe(ERROR_CATALOGUE[code].status);
  const body = ErrorEnvelope.parse(response.body);
  expect(body.error.code).toBe(code);
  expect(body.error.request_id).toBe(response.headers['x-request-id']);
}

describe('reprocess API on a real dev server and worker', () => {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let server: Server;
  let dataDir: string;
  let cleanup: () => Promise<void>;
  const taskQueue = `api-test-${randomUUID()}`;

  beforeAll(async () => {
    env = await startDevServer();
    ({ dataDir, cleanup } = await makeDataDir());
    await addVideo(dataDir, 'clip', { seconds: 2, width: 320, height: 240 });
    await addVideo(dataDir, 'second', { seconds: 1, width: 160, height: 120 });
    const config = loadConfig({ DATA_DIR: dataDir, TASK_QUEUE: taskQueue });
    worker = await createWorker(config, env.nativeConnection, env.client);
    running = worker.run();
    server = buildApp(env.client, dataDir, taskQueue).callback();
  });

  afterAll(async () => {
    worker.shutdown();
    await running;
    await env.teardown();
    await cleanup();
  });

  async function waitForStatus(videoId: string, status: string): Promise<TaskProgressResponse> {
    return eventually(async () => {
      const response = await request(server).get(`/api/v1/videos/${videoId}/reprocess`);
      const body = response.body as TaskProgressResponse;
      return response.status === 200 && body.status === status ? body : undefined;
    });
  }

  describe('POST /api/v1/videos/:video_id/run_sync', () => {
    it('answers 202 with an AsyncTaskResponse and a Location, and the run completes with probe data', async () => {
      const response = await request(server)
        .post('/api/v1/videos/clip/run_sync')
        .send({ steps: ['scenes'] });
      expect(response.status).toBe(202);
      const body = AsyncTaskResponse.parse(response.body);
      expect(body).toMatchObject({ video_id: 'clip', workflow_id: 'clip', status: 'accepted' });
      expect(body.steps).toEqual(['probe', 'scenes', 'publish']);
      expect(body.task_id).toBe(body.run_id);
      expect(response.headers['location']).toBe('/api/v1/videos/clip/reprocess');

      const done = TaskProgressResponse.parse(await waitForStatus('clip', 'completed'));
      expect(done).toMatchObject({ run_id: body.run_id, progress: 100, stale: false, error: null });
      const statuses = Object.fromEntries(done.subtasks.map((subtask) => [subtask.name, subtask.status]));
      expect(statuses).toEqual({
        probe: 'completed',
        thumbnails: 'skipped',
        transcode: 'skipped',
        audio: 'skipped',
        scenes: 'completed',
        publish: 'completed',
      });
      expect(done.result).toMatchObject({ info: { width: 320, height: 240, videoCodec: 'h264' } });
      expect((done.result as { info: { durationSeconds: number } }).info.durationSeconds).toBeCloseTo(2, 0);
    });

    it('answers 409 TASK_ALREADY_RUNNING naming the open run, and accepts a new run after it closed', async () => {
      // A task queue no worker polls keeps the run open for as long as the test needs.
      const parked = buildApp(env.client, dataDir, `parked-${randomUUID()}`).callback();
      const first = await request(parked).post('/api/v1/videos/second/reprocess');
      expect(first.status).toBe(202);
      const firstRun = AsyncTaskResponse.parse(first.body).run_id;
      const second = await request(parked).post('/api/v1/videos/second/run_sync');
      expectError(second, 'TASK_ALREADY_RUNNING');
      const refusal = ErrorEnvelope.parse(second.body).error;
      expect(refusal.details).toMatchObject({ run_id: firstRun });
      expect(refusal.message).toContain(firstRun);

      await env.client.workflow.getHandle('second').terminate('test closes the parked run');
      const third = await request(server)
        .post('/api/v1/videos/second/run_sync')
        .send({ steps: ['scenes'] });
      expect(third.status).toBe(202);
      expect(AsyncTaskResponse.parse(third.body).run_id).not.toBe(firstRun);
      await waitForStatus('second', 'completed');
    });

    it('refuses unknown body fields, naming them', async () => {
      const unknown = await request(server).post('/api/v1/videos/clip/run_sync').send({ colour: 'blue' });
      expectError(unknown, 'INVALID_REQUEST');
      expect(JSON.stringify(ErrorEnvelope.parse(unknown.body).error.details)).toContain('colour');
    });

    it('answers 400 for a bad id, 404 for an unknown video, 415 and 413 for bad bodies', async () => {
      expectError(await request(server).post('/api/v1/videos/-bad/run_sync'), 'INVALID_VIDEO_ID');
      expectError(await request(server).post('/api/v1/videos/..%2Fetc/run_sync'), 'INVALID_VIDEO_ID');
      expectError(await request(server).post('/api/v1/videos/nobody/run_sync'), 'VIDEO_NOT_FOUND');
      expectError(
        await request(server)
          .post('/api/v1/videos/clip/run_sync')
          .set('Content-Type', 'text/plain')
          .send('steps=probe'),
        'UNSUPPORTED_MEDIA_TYPE',
      );
      expectError(
        await request(server)
          .post('/api/v1/videos/clip/run_sync')
          .set('Content-Type', 'application/json')
          .send(JSON.stringify({ steps: ['probe'], pad: 'x'.repeat(4096) })),
        'PAYLOAD_TOO_LARGE',
      );
      expectError(
        await request(server).post('/api/v1/videos/clip/run_sync').set('Content-Type', 'application/json').send('{'),
        'INVALID_REQUEST',
      );
    });
  });

  describe('GET /api/v1/videos/:video_id/reprocess', () => {
    it('answers 404 TASK_NOT_FOUND for a video never processed, VIDEO_NOT_FOUND for no video at all', async () => {
      await addVideo(dataDir, 'never-run', { seconds: 1 });
      expectError(await request(server).get('/api/v1/videos/never-run/reprocess'), 'TASK_NOT_FOUND');
      expectError(await request(server).get('/api/v1/videos/no-such-video/reprocess'), 'VIDEO_NOT_FOUND');
    });

    it('answers stale, from Temporal alone and within the deadline, when no worker answers the query', async () => {
      const parkedQueue = `parked-${randomUUID()}`;
      const parked = buildApp(env.client, dataDir, parkedQueue, 500).callback();
      await addVideo(dataDir, 'parked', { seconds: 1 });
      expect((await request(parked).post('/api/v1/videos/parked/run_sync')).status).toBe(202);
      const response = await request(parked).get('/api/v1/videos/parked/reprocess');
      expect(response.status).toBe(200);
      const body = TaskProgressResponse.parse(response.body);
      expect(body).toMatchObject({ stale: true, status: 'queued', progress: 0 });
      expect(body.message).toMatch(/worker/);
      await env.client.workflow.getHandle('parked').terminate('test done');
    });
  });

  describe('errors and plumbing', () => {
    it('answers 503 ORCHESTRATOR_UNAVAILABLE when Temporal cannot be reached', async () => {
      const down = buildApp(unreachableClient(await freePort()), dataDir, taskQueue, 500).callback();
      const post = await request(down).post('/api/v1/videos/clip/run_sync');
      expectError(post, 'ORCHESTRATOR_UNAVAILABLE');
      expect(ErrorEnvelope.parse(post.body).error.message).not.toMatch(/grpc|ECONNREFUSED|127\.0\.0\.1/i);
      expectError(await request(down).get('/api/v1/videos/clip/reprocess'), 'ORCHESTRATOR_UNAVAILABLE');
    });

    it('answers 405 for a wrong method and 404 ROUTE_NOT_FOUND for an unknown path', async () => {
      expectError(await request(server).put('/api/v1/videos/clip/reprocess'), 'METHOD_NOT_ALLOWED');
      expectError(await request(server).get('/api/v1/nothing-here'), 'ROUTE_NOT_FOUND');
    });

    it('echoes a sane X-Request-Id and makes one otherwise', async () => {
      const echoed = await request(server).get('/healthz').set('X-Request-Id', 'abc-123');
      expect(echoed.headers['x-request-id']).toBe('abc-123');
      const made = await request(server).get('/healthz').set('X-Request-Id', 'bad id\twith tab');
      expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(made.body).toEqual({ status: 'ok' });
    });
  });
});
