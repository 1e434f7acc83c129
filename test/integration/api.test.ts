import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { QueueWorkers } from '../../src/queue-workers';
import request from 'supertest';
import type Koa from 'koa';
import type { ReprocessApp } from '../../src/api/app';
import { AsyncTaskResponse, CancelResponse, ErrorEnvelope, TaskProgressResponse } from '../../src/api/models';
import { ERROR_CATALOGUE, type ErrorCode } from '../../src/api/errors';
import { loadConfig } from '../../src/config';
import { createWorker } from '../../src/worker';
import { openTestCatalog } from '../helpers/catalog';
import { buildApp, listenOn, unreachableClient } from '../helpers/api';
import { eventually } from '../helpers/gate';
import { addVideo, makeDataDir } from '../helpers/media';
import { freePort } from '../helpers/ports';
import { openEventStream, type ReceivedEvent } from '../helpers/sse';
import { startDevServer } from '../helpers/temporal';

type Server = ReturnType<Koa['callback']>;

function expectError(
  response: request.Response | { status: number; body: unknown; headers: Record<string, unknown> },
  code: ErrorCode,
): void {
  expect(response.status).toBe(ERROR_CATALOGUE[code].status);
  const body = ErrorEnvelope.parse(response.body);
  expect(body.error.code).toBe(code);
  expect(body.error.request_id).toBe(response.headers['x-request-id']);
}

describe('reprocess API on a real dev server and worker', () => {
  let env: TestWorkflowEnvironment;
  let worker: QueueWorkers;
  let running: Promise<void>;
  let app: ReprocessApp;
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
    worker = await createWorker(config, env.nativeConnection, env.client, {
      catalog: (await openTestCatalog(dataDir)).catalog,
    });
    running = worker.run();
    app = await buildApp(env.client, dataDir, taskQueue);
    server = app.callback();
  });

  afterAll(async () => {
    worker.shutdown();
    await running;
    await env.teardown();
    await cleanup();
  });

  /** An app whose task queue no worker polls: its runs stay open (queued) for as long as a test needs. */
  const parkedApp = (options: Parameters<typeof buildApp>[3] = {}) =>
    buildApp(env.client, dataDir, `parked-${randomUUID()}`, options);

  async function waitForStatus(videoId: string, status: string, timeoutMs?: number): Promise<TaskProgressResponse> {
    return eventually(async () => {
      const response = await request(server).get(`/api/v1/videos/${videoId}/reprocess`);
      const body = response.body as TaskProgressResponse;
      return response.status === 200 && body.status === status && !body.stale ? body : undefined;
    }, timeoutMs);
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
      expect(body.events_url).toBe('/api/v1/videos/clip/reprocess/events');
      expect(response.headers['location']).toBe('/api/v1/videos/clip/reprocess');

      const done = TaskProgressResponse.parse(await waitForStatus('clip', 'completed'));
      expect(done).toMatchObject({ run_id: body.run_id, progress: 100, stale: false, error: null, eta_seconds: null });
      expect(done.seq).toBeGreaterThan(0);
      expect(done.updated_at).not.toBeNull();
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
      const parked = (await parkedApp()).callback();
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

    it('starts exactly one run for 100 concurrent POSTs on one video, and 100 runs for 100 videos', async () => {
      const parked = await parkedApp({ commandTimeoutMs: 15_000 });
      const { base, close } = await listenOn(parked.callback());
      try {
        await addVideo(dataDir, 'crowd', { seconds: 1, width: 160, height: 120 });
        const post = (videoId: string) => fetch(`${base}/api/v1/videos/${videoId}/run_sync`, { method: 'POST' });
        const same = await Promise.all(Array.from({ length: 100 }, () => post('crowd')));
        const sameStatuses = same.map((response) => response.status);
        expect(sameStatuses.filter((status) => status === 202)).toHaveLength(1);
        expect(sameStatuses.filter((status) => status === 409)).toHaveLength(99);

        const source = path.join(dataDir, 'media', 'crowd', 'source.mp4');
        const ids = Array.from({ length: 100 }, (_, index) => `many-${index}`);
        for (const id of ids) {
          await fs.mkdir(path.join(dataDir, 'media', id), { recursive: true });
          await fs.copyFile(source, path.join(dataDir, 'media', id, 'source.mp4'));
        }
        const distinct = await Promise.all(ids.map(post));
        expect(distinct.map((response) => response.status)).toEqual(ids.map(() => 202));
        const runIds = await Promise.all(
          distinct.map(async (response) => ((await response.json()) as AsyncTaskResponse).run_id),
        );
        expect(new Set(runIds).size).toBe(100);

        const metrics = await (await fetch(`${base}/metrics`)).text();
        expect(metrics).toContain('reprocess_run_starts_total{outcome="accepted"} 101');
        expect(metrics).toContain('reprocess_run_starts_total{outcome="refused"} 99');
      } finally {
        await close();
      }
    });
  });

  describe('GET /api/v1/videos/:video_id/reprocess', () => {
    it('answers 404 TASK_NOT_FOUND for a video never processed, VIDEO_NOT_FOUND for no video at all', async () => {
      await addVideo(dataDir, 'never-run', { seconds: 1 });
      expectError(await request(server).get('/api/v1/videos/never-run/reprocess'), 'TASK_NOT_FOUND');
      expectError(await request(server).get('/api/v1/videos/no-such-video/reprocess'), 'VIDEO_NOT_FOUND');
    });

    it('answers stale, from Temporal alone and within the deadline, when no worker polls the queue', async () => {
      const parked = (await parkedApp({ queryTimeoutMs: 500 })).callback();
      await addVideo(dataDir, 'parked', { seconds: 1 });
      expect((await request(parked).post('/api/v1/videos/parked/run_sync')).status).toBe(202);
      // The guard is a hang detector, not a speed check: the server's own deadline is 500 ms.
      const response = await request(parked).get('/api/v1/videos/parked/reprocess').timeout(5_000);
      expect(response.status).toBe(200);
      const body = TaskProgressResponse.parse(response.body);
      expect(body).toMatchObject({ stale: true, status: 'queued', progress: 0, subtasks: [] });
      expect(body.message).toMatch(/no worker is polling task queue "parked-/);
      await env.client.workflow.getHandle('parked').terminate('test done');
    });
  });

  describe('DELETE /api/v1/videos/:video_id/reprocess', () => {
    it('cancels a running run: 202, then the run ends cancelled; a second DELETE answers 409 TASK_NOT_RUNNING', async () => {
      await addVideo(dataDir, 'long', { seconds: 40, width: 640, height: 360 });
      const started = await request(server)
        .post('/api/v1/videos/long/reprocess')
        .send({ steps: ['transcode'] });
      expect(started.status).toBe(202);
      const runId = AsyncTaskResponse.parse(started.body).run_id;
      await eventually(async () => {
        const body = (await request(server).get('/api/v1/videos/long/reprocess')).body as TaskProgressResponse;
        return body.subtasks.find((subtask) => subtask.name === 'transcode')?.status === 'running' ? true : undefined;
      });

      const cancel = await request(server).delete('/api/v1/videos/long/reprocess');
      expect(cancel.status).toBe(202);
      expect(CancelResponse.parse(cancel.body)).toMatchObject({ run_id: runId, status: 'cancelling' });
      const cancelled = await waitForStatus('long', 'cancelled', 30_000);
      expect(cancelled.run_id).toBe(runId);
      expect(cancelled.subtasks.find((subtask) => subtask.name === 'transcode')?.status).toBe('cancelled');

      // The run's state says cancelled before the execution closes (it records its outcome first); once closed,
      // nothing is open.
      await eventually(async () => {
        const closed = await env.client.workflow.getHandle('long').describe();
        return closed.status.name === 'CANCELLED' ? true : undefined;
      });
      const again = await request(server).delete('/api/v1/videos/long/reprocess');
      expectError(again, 'TASK_NOT_RUNNING');
      expect(ErrorEnvelope.parse(again.body).error.details).toMatchObject({ run_id: runId, status: 'cancelled' });
    });

    it('answers 404 for a video never processed or not there', async () => {
      expectError(await request(server).delete('/api/v1/videos/never-run/reprocess'), 'TASK_NOT_FOUND');
      expectError(await request(server).delete('/api/v1/videos/no-such-video/reprocess'), 'VIDEO_NOT_FOUND');
    });
  });

  describe('GET /api/v1/videos/:video_id/reprocess/events', () => {
    const progressOf = (events: ReceivedEvent[]) =>
      events.filter((event) => event.event === 'progress').map((event) => TaskProgressResponse.parse(event.data));

    it('streams increasing seq and progress, then the terminal snapshot and an end event', async () => {
      // Long enough that the stream, polling every 200 ms, sees the run between its start and its end.
      await addVideo(dataDir, 'live', { seconds: 30, width: 640, height: 480 });
      const { base, close } = await listenOn(app.callback());
      try {
        expect(
          (
            await request(server)
              .post('/api/v1/videos/live/reprocess')
              .send({ steps: ['thumbnails', 'scenes'] })
          ).status,
        ).toBe(202);
        const stream = await openEventStream(`${base}/api/v1/videos/live/reprocess/events`);
        expect(stream.status).toBe(200);
        expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
        await stream.ended;

        const snapshots = progressOf(stream.events);
        expect(snapshots.length).toBeGreaterThanOrEqual(3);
        // A live snapshot's id is its seq; a stale one (the run's first workflow task still running its probe when
        // the stream opened, say) carries none, so it can never move a reconnecting client's place.
        const ids = stream.events.filter((event) => event.event === 'progress').map((event) => event.id);
        expect(ids).toEqual(snapshots.map((snapshot) => (snapshot.stale ? null : snapshot.seq)));
        expect(snapshots.filter((snapshot) => !snapshot.stale).length).toBeGreaterThanOrEqual(3);
        for (let i = 1; i < snapshots.length; i += 1) {
          expect(snapshots[i]!.seq).toBeGreaterThan(snapshots[i - 1]!.seq);
          expect(snapshots[i]!.progress).toBeGreaterThanOrEqual(snapshots[i - 1]!.progress);
        }
        expect(snapshots.at(-1)).toMatchObject({ status: 'completed', progress: 100 });
        expect(stream.events.at(-1)).toMatchObject({ event: 'end', data: { status: 'completed' } });

        // A client that saw the end and reconnects is told there is nothing more: 204 stops EventSource.
        const after = await openEventStream(`${base}/api/v1/videos/live/reprocess/events`, {
          'Last-Event-ID': String(snapshots.at(-1)!.seq),
        });
        expect(after.status).toBe(204);
      } finally {
        await close();
      }
    });

    it('resumes after Last-Event-ID with no event sent twice', async () => {
      await addVideo(dataDir, 'resume', { seconds: 8, width: 320, height: 240 });
      const { base, close } = await listenOn(app.callback());
      try {
        expect(
          (
            await request(server)
              .post('/api/v1/videos/resume/reprocess')
              .send({ steps: ['thumbnails', 'scenes'] })
          ).status,
        ).toBe(202);
        const url = `${base}/api/v1/videos/resume/reprocess/events`;
        const first = await openEventStream(url);
        await first.until((events) => progressOf(events).length >= 2 || events.some((event) => event.event === 'end'));
        first.close();
        const seen = progressOf(first.events).map((snapshot) => snapshot.seq);
        const lastId = seen.at(-1)!;

        const second = await openEventStream(url, { 'Last-Event-ID': String(lastId) });
        if (second.status === 200) await second.ended;
        const resumed = progressOf(second.events).map((snapshot) => snapshot.seq);
        for (const seq of resumed) expect(seq).toBeGreaterThan(lastId);
        expect(new Set([...seen, ...resumed]).size).toBe(seen.length + resumed.length);
        await waitForStatus('resume', 'completed');
      } finally {
        await close();
      }
    });

    it('shares one poller among all clients of a video, sends keep-alives, and marks stale events with no id', async () => {
      const parked = await parkedApp({ queryTimeoutMs: 300, keepAliveMs: 100 });
      await addVideo(dataDir, 'watched', { seconds: 1 });
      const { base, close } = await listenOn(parked.callback());
      try {
        expect((await request(parked.callback()).post('/api/v1/videos/watched/reprocess')).status).toBe(202);
        const streams = await Promise.all(
          Array.from({ length: 5 }, () => openEventStream(`${base}/api/v1/videos/watched/reprocess/events`)),
        );
        await Promise.all(streams.map((stream) => stream.until(() => stream.comments >= 2)));
        expect(parked.hub.pollerCount).toBe(1);
        const metrics = await (await fetch(`${base}/metrics`)).text();
        expect(metrics).toContain('reprocess_event_stream_clients 5');
        expect(metrics).toContain('reprocess_event_stream_pollers 1');
        for (const stream of streams) {
          const [snapshot] = stream.events;
          expect(snapshot).toMatchObject({ event: 'progress', id: null, data: { stale: true, status: 'queued' } });
        }

        await env.client.workflow.getHandle('watched').terminate('test ends the watched run');
        await Promise.all(streams.map((stream) => stream.ended));
        for (const stream of streams) {
          expect(stream.events.at(-1)).toMatchObject({ event: 'end', data: { status: 'terminated' } });
        }
        await eventually(() => (parked.hub.pollerCount === 0 ? true : undefined));
      } finally {
        await close();
      }
    });

    it('answers like the GET before the stream opens', async () => {
      expectError(await request(server).get('/api/v1/videos/never-run/reprocess/events'), 'TASK_NOT_FOUND');
      expectError(await request(server).get('/api/v1/videos/no-such-video/reprocess/events'), 'VIDEO_NOT_FOUND');
    });
  });

  describe('GET /healthz, /readyz, /metrics', () => {
    it('is live and ready while Temporal answers', async () => {
      expect((await request(server).get('/healthz')).body).toEqual({ status: 'ok' });
      const ready = await request(server).get('/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({ status: 'ready', checks: { temporal: { ok: true } } });
    });

    it('counts requests by route pattern and status, and query latency', async () => {
      await request(server).get('/api/v1/videos/clip/reprocess');
      const metrics = await request(server).get('/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
      expect(metrics.text).toMatch(
        /reprocess_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/videos\/:video_id\/reprocess",status="200"\} \d+/,
      );
      expect(metrics.text).toMatch(/reprocess_progress_query_duration_seconds_count\{outcome="answered"\} [1-9]/);
      expect(metrics.text).not.toContain('route="/api/v1/videos/clip');
    });
  });

  describe('errors and plumbing', () => {
    it('answers 503 ORCHESTRATOR_UNAVAILABLE and /readyz 503 NOT_READY when Temporal cannot be reached', async () => {
      const down = (
        await buildApp(unreachableClient(await freePort()), dataDir, taskQueue, { queryTimeoutMs: 500 })
      ).callback();
      const post = await request(down).post('/api/v1/videos/clip/run_sync');
      expectError(post, 'ORCHESTRATOR_UNAVAILABLE');
      expect(post.headers['retry-after']).toBe('5');
      expect(ErrorEnvelope.parse(post.body).error.message).not.toMatch(/grpc|ECONNREFUSED|127\.0\.0\.1/i);
      expectError(await request(down).get('/api/v1/videos/clip/reprocess'), 'ORCHESTRATOR_UNAVAILABLE');
      expectError(await request(down).delete('/api/v1/videos/clip/reprocess'), 'ORCHESTRATOR_UNAVAILABLE');
      const ready = await request(down).get('/readyz');
      expectError(ready, 'NOT_READY');
      expect(ErrorEnvelope.parse(ready.body).error.details).toMatchObject({
        checks: { temporal: { ok: false, error: 'ORCHESTRATOR_UNAVAILABLE' } },
      });
    });

    it('answers 503 CATALOG_UNAVAILABLE, and /readyz names the catalog, when its database is gone', async () => {
      const other = await makeDataDir();
      const { catalog, close } = await openTestCatalog(other.dataDir);
      await close();
      const broken = (await buildApp(env.client, other.dataDir, taskQueue, { catalog })).callback();
      expectError(await request(broken).get('/api/v1/videos/clip/reprocess'), 'CATALOG_UNAVAILABLE');
      const ready = await request(broken).get('/readyz');
      expectError(ready, 'NOT_READY');
      expect(ErrorEnvelope.parse(ready.body).error.details).toMatchObject({
        checks: { temporal: { ok: true }, catalog: { ok: false, error: 'CATALOG_UNAVAILABLE' } },
      });
      await other.cleanup();
    });

    it('answers 401 UNAUTHORIZED without a valid key when keys are configured', async () => {
      const keyed = (
        await buildApp(env.client, dataDir, taskQueue, { apiKeys: ['a-long-enough-test-key'] })
      ).callback();
      expectError(await request(keyed).get('/api/v1/videos/clip/reprocess'), 'UNAUTHORIZED');
      const allowed = await request(keyed)
        .get('/api/v1/videos/clip/reprocess')
        .set('Authorization', 'Bearer a-long-enough-test-key');
      expect(allowed.status).toBe(200);
    });

    it('answers 500 INTERNAL_ERROR with no internals when the media folder cannot be read', async () => {
      // A symlink loop: reading the video's folder fails with ELOOP, which is no fault of the client.
      const loop = path.join(dataDir, 'media', 'looped');
      await fs.symlink(loop, loop);
      const response = await request(server).get('/api/v1/videos/looped/reprocess');
      expectError(response, 'INTERNAL_ERROR');
      expect(ErrorEnvelope.parse(response.body).error.message).toBe(ERROR_CATALOGUE.INTERNAL_ERROR.message);
      expect(response.text).not.toMatch(/ELOOP|media|looped\//);
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
