import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import request from 'supertest';
import type { ReprocessApp } from '../../src/api/app';
import { ERROR_CATALOGUE, type ErrorCode } from '../../src/api/errors';
import { ErrorEnvelope, IngestResponse } from '../../src/api/models';
import { OTHER_APP_WORKFLOW_TYPE } from '../fixtures/workflows/other-app';
import { buildApp, listenOn } from '../helpers/api';
import { addVideo, makeClip, makeDataDir } from '../helpers/media';
import { openEventStream } from '../helpers/sse';
import { startDevServer } from '../helpers/temporal';

function expectError(response: request.Response, code: ErrorCode): void {
  expect(response.status).toBe(ERROR_CATALOGUE[code].status);
  expect(ErrorEnvelope.parse(response.body).error.code).toBe(code);
}

const KEY = 'hostile-test-key-0123456789';
const EVIL_ORIGIN = 'http://rebind.attacker.example';

describe('hostile clients and web pages, against a real dev server', () => {
  let env: TestWorkflowEnvironment;
  let otherApp: Worker;
  let otherAppRunning: Promise<void>;
  let dataDir: string;
  let cleanup: () => Promise<void>;
  let keyless: ReturnType<ReprocessApp['callback']>;
  let keyed: ReturnType<ReprocessApp['callback']>;
  let clip: string;
  // No worker polls it: runs the tests start stay queued.
  const taskQueue = `hostile-${randomUUID()}`;
  const otherQueue = `other-app-${randomUUID()}`;

  beforeAll(async () => {
    env = await startDevServer();
    ({ dataDir, cleanup } = await makeDataDir());
    clip = await makeClip(path.join(dataDir, 'fixtures', 'clip.mp4'), { seconds: 1, width: 160, height: 120 });
    for (const id of ['clip', 'clip2', 'clip3', 'streamed', 'taken']) {
      await addVideo(dataDir, id, { seconds: 1, width: 160, height: 120 });
    }
    otherApp = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: otherQueue,
      workflowsPath: require.resolve('../fixtures/workflows/other-app'),
    });
    otherAppRunning = otherApp.run();
    keyless = (
      await buildApp(env.client, dataDir, taskQueue, {
        browsers: { allowedHosts: ['reprocess.lan', '.corp.example'], allowedOrigins: ['https://dash.example.com'] },
        eventStreams: { perClient: 1, total: 10 },
      })
    ).callback();
    keyed = (await buildApp(env.client, dataDir, taskQueue, { apiKeys: [KEY] })).callback();
  });

  afterAll(async () => {
    otherApp.shutdown();
    await otherAppRunning;
    await env.teardown();
    await cleanup();
  });

  /** Whether Temporal has any execution with this id; a refused start must leave none. */
  async function hasRun(videoId: string): Promise<boolean> {
    return env.client.workflow
      .getHandle(videoId)
      .describe()
      .then(
        () => true,
        (error: unknown) => {
          if (error instanceof WorkflowNotFoundError) return false;
          throw error;
        },
      );
  }

  describe('without API keys: only the hosts it serves (DNS rebinding)', () => {
    it('answers loopback names, the bound address and ALLOWED_HOSTS', async () => {
      for (const host of ['127.0.0.1:8080', 'localhost:8080', 'LOCALHOST.', '[::1]:8080', 'app.localhost:8080']) {
        expect((await request(keyless).get('/healthz').set('Host', host)).status).toBe(200);
      }
      for (const host of ['reprocess.lan', 'a.corp.example:8080']) {
        expect((await request(keyless).get('/api/v1/videos').set('Host', host)).status).toBe(200);
      }
    });

    it('answers 403 HOST_NOT_ALLOWED to any other Host, on every route, and starts nothing', async () => {
      for (const host of [
        'rebind.attacker.example:8080',
        'corp.example.attacker.example',
        '10.0.0.5',
        '127.0.0.1.nip.io',
      ]) {
        expectError(await request(keyless).get('/healthz').set('Host', host), 'HOST_NOT_ALLOWED');
        expectError(await request(keyless).get('/api/v1/videos/clip/reprocess').set('Host', host), 'HOST_NOT_ALLOWED');
      }
      const start = await request(keyless).post('/api/v1/videos/clip3/run_sync').set('Host', 'rebind.attacker.example');
      expectError(start, 'HOST_NOT_ALLOWED');
      expect(await hasRun('clip3')).toBe(false);
    });

    it('with keys, serves any Host that brings a key', async () => {
      const response = await request(keyed)
        .get('/api/v1/videos')
        .set('Host', 'reprocess.example.com')
        .set('Authorization', `Bearer ${KEY}`);
      expect(response.status).toBe(200);
    });
  });

  describe('state-changing requests from other sites', () => {
    it('refuses a POST from a cross-site Origin with 403 CROSS_SITE_REQUEST and starts nothing', async () => {
      const response = await request(keyless).post('/api/v1/videos/clip3/run_sync').set('Origin', EVIL_ORIGIN);
      expectError(response, 'CROSS_SITE_REQUEST');
      // Another port of the same machine is another site's page too.
      const otherPort = await request(keyless)
        .post('/api/v1/videos/clip3/run_sync')
        .set('Host', '127.0.0.1:8080')
        .set('Origin', 'http://127.0.0.1:3000');
      expectError(otherPort, 'CROSS_SITE_REQUEST');
      const opaque = await request(keyless).post('/api/v1/videos/clip3/reprocess').set('Origin', 'null');
      expectError(opaque, 'CROSS_SITE_REQUEST');
      expect(await hasRun('clip3')).toBe(false);
    });

    it('refuses one without Origin whose Sec-Fetch-Site is cross-site or same-site', async () => {
      for (const site of ['cross-site', 'same-site']) {
        const response = await request(keyless).post('/api/v1/videos/clip3/run_sync').set('Sec-Fetch-Site', site);
        expectError(response, 'CROSS_SITE_REQUEST');
      }
      expect(await hasRun('clip3')).toBe(false);
    });

    it('refuses an upload from another site and keeps nothing of it', async () => {
      const response = await request(keyless)
        .post('/api/v1/videos')
        .set('Origin', EVIL_ORIGIN)
        .field('id', 'planted')
        .attach('file', clip);
      expectError(response, 'CROSS_SITE_REQUEST');
      await expect(fs.access(path.join(dataDir, 'media', 'planted'))).rejects.toThrow();
      const uploads = await fs.readdir(path.join(dataDir, 'media', '.uploads')).catch(() => []);
      expect(uploads).toEqual([]);
    });

    it('refuses them whatever the keys', async () => {
      const response = await request(keyed)
        .post('/api/v1/videos/clip3/run_sync')
        .set('Authorization', `Bearer ${KEY}`)
        .set('Origin', EVIL_ORIGIN);
      expectError(response, 'CROSS_SITE_REQUEST');
      expect(await hasRun('clip3')).toBe(false);
    });

    it('refuses a DELETE from another site and cancels nothing', async () => {
      const started = await request(keyless).post('/api/v1/videos/clip2/run_sync');
      expect(started.status).toBe(202);
      try {
        const response = await request(keyless).delete('/api/v1/videos/clip2/reprocess').set('Origin', EVIL_ORIGIN);
        expectError(response, 'CROSS_SITE_REQUEST');
        const history = await env.client.workflow.getHandle('clip2').fetchHistory();
        const kinds = (history.events ?? []).map((event) => event.workflowExecutionCancelRequestedEventAttributes);
        expect(kinds.filter(Boolean)).toEqual([]);
        expect((await env.client.workflow.getHandle('clip2').describe()).status.name).toBe('RUNNING');
      } finally {
        await env.client.workflow.getHandle('clip2').terminate('test over');
      }
    });

    it("lets the API's own pages and ALLOWED_ORIGINS through, and reads from anywhere", async () => {
      const sameOrigin = await request(keyless)
        .post('/api/v1/videos/clip/run_sync')
        .set('Host', 'localhost:8080')
        .set('Origin', 'http://localhost:8080')
        .set('Sec-Fetch-Site', 'same-origin');
      expect(sameOrigin.status).toBe(202);
      try {
        const allowed = await request(keyless)
          .post('/api/v1/videos/clip/run_sync')
          .set('Origin', 'https://dash.example.com')
          .set('Sec-Fetch-Site', 'cross-site');
        // Let through: refused only because the run above is open.
        expect(ErrorEnvelope.parse(allowed.body).error.code).toBe('TASK_ALREADY_RUNNING');
        const read = await request(keyless).get('/api/v1/videos/clip').set('Origin', EVIL_ORIGIN);
        expect(read.status).toBe(200);
      } finally {
        await env.client.workflow.getHandle('clip').terminate('test over');
      }
    });

    it("answers 415 to a POST whose body is a form's text/plain, and starts nothing", async () => {
      const response = await request(keyless)
        .post('/api/v1/videos/clip3/run_sync')
        .set('Content-Type', 'text/plain')
        .send('{"steps":["probe"]}');
      expect(response.status).toBe(415);
      expect(ErrorEnvelope.parse(response.body).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(await hasRun('clip3')).toBe(false);
    });
  });

  describe("another application's workflow whose id is a video id", () => {
    beforeAll(async () => {
      await env.client.workflow.start(OTHER_APP_WORKFLOW_TYPE, { workflowId: 'taken', taskQueue: otherQueue });
      // Its worker is up and answering: the API must not use its answer, even shaped like ours.
      const answer = await env.client.workflow.getHandle('taken').query<{ overall: number }>('progress');
      expect(answer.overall).toBe(0.42);
    });

    afterAll(async () => {
      await env.client.workflow.getHandle('taken').terminate('test over');
    });

    it('is answered as if no run exists: GET and the event stream say TASK_NOT_FOUND', async () => {
      expectError(await request(keyless).get('/api/v1/videos/taken/reprocess'), 'TASK_NOT_FOUND');
      const listen = await listenOn(keyless);
      try {
        expect((await openEventStream(`${listen.base}/api/v1/videos/taken/reprocess/events`)).status).toBe(404);
      } finally {
        await listen.close();
      }
    });

    it('is never cancelled', async () => {
      expectError(await request(keyless).delete('/api/v1/videos/taken/reprocess'), 'TASK_NOT_FOUND');
      const handle = env.client.workflow.getHandle('taken');
      expect((await handle.describe()).status.name).toBe('RUNNING');
      const history = await handle.fetchHistory();
      expect((history.events ?? []).filter((event) => event.workflowExecutionCancelRequestedEventAttributes)).toEqual(
        [],
      );
    });

    it('refuses a start with 409, saying another application holds the id', async () => {
      const response = await request(keyless).post('/api/v1/videos/taken/run_sync');
      expectError(response, 'TASK_ALREADY_RUNNING');
      expect(ErrorEnvelope.parse(response.body).error.message).toMatch(/not reprocess's.*namespace of its own/);
      expect((await env.client.workflow.getHandle('taken').describe()).type).toBe(OTHER_APP_WORKFLOW_TYPE);
    });
  });

  it('holds each client to its event streams: past them, 429 TOO_MANY_STREAMS with Retry-After', async () => {
    expect((await request(keyless).post('/api/v1/videos/streamed/run_sync')).status).toBe(202);
    const listen = await listenOn(keyless);
    const url = `${listen.base}/api/v1/videos/streamed/reprocess/events`;
    const first = await openEventStream(url);
    try {
      expect(first.status).toBe(200);
      const second = await fetch(url);
      expect(second.status).toBe(429);
      expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(ErrorEnvelope.parse(await second.json()).error.code).toBe('TOO_MANY_STREAMS');
    } finally {
      first.close();
      await listen.close();
      await env.client.workflow.getHandle('streamed').terminate('test over');
    }
  });

  it("bounds the title taken from the file's name like a title field", async () => {
    const name = `${'t'.repeat(3_000)}.mp4`;
    const response = await request(keyless).post('/api/v1/videos').field('id', 'long-name').attach('file', clip, {
      filename: name,
    });
    expect(response.status).toBe(201);
    const title = IngestResponse.parse(response.body).title ?? '';
    expect(title.length).toBeLessThanOrEqual(500);
    expect(title).toMatch(/^t+$/);
  });
});
