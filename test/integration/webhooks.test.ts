import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import request from 'supertest';
import type { TaskProgressResponse } from '../../src/api/models';
import { loadConfig } from '../../src/config';
import type { QueueWorkers } from '../../src/queue-workers';
import { createWorker } from '../../src/worker';
import { deliveryWorkflowId } from '../../src/workflows/definitions';
import { buildApp } from '../helpers/api';
import { openTestCatalog } from '../helpers/catalog';
import { eventually } from '../helpers/gate';
import { addVideo, makeDataDir } from '../helpers/media';
import { startDevServer } from '../helpers/temporal';
import { startReceiver } from '../helpers/webhook-receiver';

const SECRET = `whsec_${Buffer.from('reprocess webhook test secret!!').toString('base64')}`;
const FAST = [0, 300, 300];

/** Runs that end with a signed webhook, to a real receiver that checks every one with standardwebhooks. */
describe('webhooks: the notify step', () => {
  let env: TestWorkflowEnvironment;
  let dataDir: string;
  let cleanup: () => Promise<void>;
  const lenient = `hooks-${randomUUID()}`;
  const strict = `hooks-strict-${randomUUID()}`;
  const workers: QueueWorkers[] = [];
  const running: Promise<void>[] = [];
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    env = await startDevServer();
    ({ dataDir, cleanup } = await makeDataDir());
    receiver = await startReceiver(SECRET, {
      '/ok': [204],
      '/flaky': [500, 500, 200],
      '/gone': [410],
      '/moved': [302],
      '/hang': ['hang'],
      '/busy': [503],
    });
    const { catalog } = await openTestCatalog(dataDir);
    for (const [queue, allowPrivate] of [
      [lenient, 'true'],
      [strict, 'false'],
    ] as const) {
      const config = loadConfig({
        DATA_DIR: dataDir,
        TASK_QUEUE: queue,
        WEBHOOK_SECRETS: SECRET,
        WEBHOOK_ALLOW_PRIVATE: allowPrivate,
      });
      const worker = await createWorker(config, env.nativeConnection, env.client, { catalog });
      workers.push(worker);
      running.push(worker.run());
    }
  });

  afterAll(async () => {
    for (const worker of workers) worker.shutdown();
    await Promise.all(running);
    await receiver.close();
    await env.teardown();
    await cleanup();
  });

  const app = async (queue = lenient, retryScheduleMs = FAST, enabled = true) =>
    (
      await buildApp(env.client, dataDir, queue, {
        callbacks: { enabled, allowPrivate: true, retryScheduleMs },
        maxJsonBytes: 64 * 1024,
      })
    ).callback();

  async function startWith(server: Awaited<ReturnType<typeof app>>, videoId: string, callbackUrl: string, body = {}) {
    const answer = await request(server)
      .post(`/api/v1/videos/${videoId}/reprocess`)
      .send({ steps: ['probe'], callback_url: callbackUrl, ...body });
    expect(answer.status).toBe(202);
    return answer.body as { run_id: string };
  }

  async function notifyWhen(server: Awaited<ReturnType<typeof app>>, videoId: string, final: string[]) {
    return eventually(async () => {
      const body = (await request(server).get(`/api/v1/videos/${videoId}/reprocess`)).body as TaskProgressResponse;
      return body.notify && final.includes(body.notify.status) ? body : undefined;
    }, 60_000);
  }

  it('delivers a completed run, signed, with its final progress, and shows it in the run and its history', async () => {
    const server = await app();
    await addVideo(dataDir, 'hooked', { seconds: 1, width: 160, height: 120 });
    const { run_id } = await startWith(server, 'hooked', `${receiver.base}/ok?token=abc`);
    const answer = await notifyWhen(server, 'hooked', ['delivered']);
    const [delivery] = receiver.at('/ok');
    expect(delivery?.id).toBe(`msg_${run_id}`);
    expect(delivery?.verified).toMatchObject({
      type: 'reprocess.completed',
      data: { video_id: 'hooked', run_id, status: 'completed', progress: 100 },
    });
    expect(answer.notify).toMatchObject({
      status: 'delivered',
      attempt: 1,
      url_host: expect.stringMatching(/^127\.0\.0\.1:/) as unknown,
    });
    expect(answer.notify!.delivered_at).not.toBeNull();
    const history = await eventually(async () => {
      const page = (await request(server).get('/api/v1/videos/hooked/reprocess/history')).body as {
        items: { run_id: string; notify?: { status: string } }[];
      };
      return page.items[0]?.notify ? page.items[0] : undefined;
    });
    expect(history).toMatchObject({ run_id, notify: { status: 'delivered', attempt: 1 } });
    const described = await env.client.workflow.getHandle(deliveryWorkflowId('hooked', run_id)).describe();
    expect(described.type).toBe('DeliverWebhook');
  });

  it('delivers a failed run and a cancelled one with their own event types', async () => {
    const server = await app();
    await fs.mkdir(path.join(dataDir, 'media', 'broken'), { recursive: true });
    await fs.writeFile(path.join(dataDir, 'media', 'broken', 'source.mp4'), 'not a video at all');
    await startWith(server, 'broken', `${receiver.base}/ok`);
    const broken = await notifyWhen(server, 'broken', ['delivered', 'failed']).catch(async (error: unknown) => {
      const body = (await request(server).get('/api/v1/videos/broken/reprocess')).body as unknown;
      throw new Error(`${String(error)}: ${JSON.stringify(body)}`);
    });
    expect(broken.status).toBe('failed');
    await addVideo(dataDir, 'stopped', { seconds: 30, width: 640, height: 360 });
    await startWith(server, 'stopped', `${receiver.base}/ok`, { steps: ['transcode'] });
    await eventually(async () => {
      const body = (await request(server).get('/api/v1/videos/stopped/reprocess')).body as TaskProgressResponse;
      return body.subtasks.find((s) => s.name === 'transcode')?.status === 'running' ? true : undefined;
    });
    expect((await request(server).delete('/api/v1/videos/stopped/reprocess')).status).toBe(202);
    await notifyWhen(server, 'stopped', ['delivered']);
    const types = receiver
      .at('/ok')
      .map((r) => r.verified as { type: string; data: { video_id: string } })
      .filter((event) => ['broken', 'stopped'].includes(event.data.video_id))
      .map((event) => `${event.data.video_id} ${event.type}`);
    expect(types.sort()).toEqual(['broken reprocess.failed', 'stopped reprocess.cancelled']);
  }, 120_000);

  it('retries a receiver that fails twice on the schedule, with one webhook-id, until it takes the third', async () => {
    const server = await app();
    await addVideo(dataDir, 'flaky', { seconds: 1, width: 160, height: 120 });
    const { run_id } = await startWith(server, 'flaky', `${receiver.base}/flaky`);
    const answer = await notifyWhen(server, 'flaky', ['delivered', 'failed']);
    expect(answer.notify).toMatchObject({ status: 'delivered', attempt: 3, last_status: 200 });
    expect(receiver.at('/flaky').map((r) => r.id)).toEqual([`msg_${run_id}`, `msg_${run_id}`, `msg_${run_id}`]);
    expect(receiver.at('/flaky').every((r) => r.verified !== null)).toBe(true);
  });

  it('stops at a 410, and fails a redirect without following it', async () => {
    const server = await app();
    await addVideo(dataDir, 'gone', { seconds: 1, width: 160, height: 120 });
    await addVideo(dataDir, 'moved', { seconds: 1, width: 160, height: 120 });
    const hitsBefore = receiver.at('/ok').length;
    await startWith(server, 'gone', `${receiver.base}/gone`);
    await startWith(server, 'moved', `${receiver.base}/moved`);
    const gone = await notifyWhen(server, 'gone', ['failed']);
    const moved = await notifyWhen(server, 'moved', ['failed']);
    expect(gone.notify).toMatchObject({ attempt: 1, last_status: 410 });
    expect(moved.notify).toMatchObject({ attempt: FAST.length, last_status: 302 });
    expect(moved.notify!.last_error).toMatch(/redirects are not followed; gave up after 3 attempts/);
    expect(receiver.at('/gone')).toHaveLength(1);
    expect(receiver.at('/moved')).toHaveLength(FAST.length);
    expect(receiver.at('/ok')).toHaveLength(hitsBefore);
  });

  it('times out a receiver that never answers, and tries it again', async () => {
    const server = await app(lenient, [0, 200]);
    await addVideo(dataDir, 'hung', { seconds: 1, width: 160, height: 120 });
    await startWith(server, 'hung', `${receiver.base}/hang`);
    const answer = await eventually(async () => {
      const body = (await request(server).get('/api/v1/videos/hung/reprocess')).body as TaskProgressResponse;
      return body.notify?.status === 'failed' ? body : undefined;
    }, 60_000);
    expect(answer.notify).toMatchObject({ attempt: 2, last_status: null });
    expect(answer.notify!.last_error).toMatch(/no answer within 10000 ms/);
    expect(receiver.at('/hang')).toHaveLength(2);
  }, 60_000);

  it("takes a new run of a video while its last run's delivery is still being retried", async () => {
    const server = await app(lenient, [0, 600_000]);
    await addVideo(dataDir, 'again', { seconds: 1, width: 160, height: 120 });
    await startWith(server, 'again', `${receiver.base}/busy`);
    const waiting = await notifyWhen(server, 'again', ['waiting']);
    expect(waiting.notify).toMatchObject({ attempt: 1, last_status: 503 });
    expect(waiting.notify!.next_attempt_at).not.toBeNull();
    const second = await request(server)
      .post('/api/v1/videos/again/reprocess')
      .send({ steps: ['probe'] });
    expect(second.status).toBe(202);
  });

  it('refuses, at delivery, a callback whose host is loopback or private when private hosts are not allowed', async () => {
    const server = await app(strict);
    const port = new URL(receiver.base).port;
    await addVideo(dataDir, 'ssrf-literal', { seconds: 1, width: 160, height: 120 });
    await addVideo(dataDir, 'ssrf-name', { seconds: 1, width: 160, height: 120 });
    await startWith(server, 'ssrf-literal', `https://127.0.0.1:${port}/ok`);
    await startWith(server, 'ssrf-name', `https://localhost:${port}/ok`);
    const literal = await notifyWhen(server, 'ssrf-literal', ['failed']);
    const named = await notifyWhen(server, 'ssrf-name', ['failed']);
    expect(literal.notify).toMatchObject({ attempt: 1, last_status: null });
    expect(literal.notify!.last_error).toMatch(/loopback/);
    expect(named.notify!.last_error).toMatch(/localhost is loopback/);
    expect(receiver.received.filter((r) => r.body.includes('ssrf-'))).toHaveLength(0);
  });

  describe('refusals at the API, before anything starts', () => {
    it.each([
      ['ftp://hooks.example.com/x'],
      ['not a url'],
      ['https://user:secret@hooks.example.com/x'],
      [`https://hooks.example.com/${'x'.repeat(2_100)}`],
    ])('refuses callback_url %s with INVALID_CALLBACK_URL', async (url) => {
      const server = await app();
      await addVideo(dataDir, 'refused', { seconds: 1, width: 160, height: 120 });
      const answer = await request(server).post('/api/v1/videos/refused/reprocess').send({ callback_url: url });
      expect(answer.status).toBe(400);
      expect(codeOf(answer.body)).toBe('INVALID_CALLBACK_URL');
      expect((await request(server).get('/api/v1/videos/refused/reprocess')).status).toBe(404);
    });

    it('refuses http and private hosts unless allowed, and any callback when the server has no secret', async () => {
      const strictApi = (
        await buildApp(env.client, dataDir, lenient, {
          callbacks: { enabled: true, allowPrivate: false, retryScheduleMs: FAST },
        })
      ).callback();
      await addVideo(dataDir, 'refused-2', { seconds: 1, width: 160, height: 120 });
      for (const url of ['http://hooks.example.com/x', 'https://10.1.2.3/x', 'https://localhost/x']) {
        const answer = await request(strictApi).post('/api/v1/videos/refused-2/reprocess').send({ callback_url: url });
        expect([answer.status, codeOf(answer.body)]).toEqual([400, 'INVALID_CALLBACK_URL']);
      }
      const off = await app(lenient, FAST, false);
      const answer = await request(off)
        .post('/api/v1/videos/refused-2/reprocess')
        .send({ callback_url: 'https://hooks.example.com/x' });
      expect(answer.status).toBe(400);
      expect(codeOf(answer.body)).toBe('CALLBACKS_DISABLED');
      expect((await request(off).get('/api/v1/videos/refused-2/reprocess')).status).toBe(404);
    });

    it('refuses an upload whose callback_url is bad, or comes without process=true, storing nothing', async () => {
      const server = await app();
      const clip = await addVideo(dataDir, 'upload-source', { seconds: 1, width: 160, height: 120 });
      for (const [fields, code] of [
        [{ id: 'up-bad', process: 'true', callback_url: 'ftp://x' }, 'INVALID_CALLBACK_URL'],
        [{ id: 'up-lonely', callback_url: `${receiver.base}/ok` }, 'INVALID_UPLOAD'],
      ] as const) {
        let upload = request(server).post('/api/v1/videos');
        for (const [name, value] of Object.entries(fields)) upload = upload.field(name, value);
        const answer = await upload.attach('file', clip);
        expect([answer.status, codeOf(answer.body)]).toEqual([400, code]);
        expect((await request(server).get(`/api/v1/videos/${fields.id}`)).status).toBe(404);
      }
    });
  });
});

function codeOf(body: unknown): string | undefined {
  return (body as { error?: { code?: string } }).error?.code;
}
