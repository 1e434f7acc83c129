import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import request from 'supertest';
import type { TaskProgressResponse } from '../../src/api/models';
import { buildApp } from '../helpers/api';
import { eventually } from '../helpers/gate';
import { addVideo, makeDataDir } from '../helpers/media';
import { startEntrypoint, stopProcess } from '../helpers/processes';
import { startDevServer } from '../helpers/temporal';
import { startReceiver } from '../helpers/webhook-receiver';

const SECRET = `whsec_${Buffer.from('durable webhook test secret!!!').toString('base64')}`;

/** Deliveries against a worker that dies: the timers are Temporal's, so nothing is lost and nothing sent twice. */
describe('e2e: webhook deliveries survive the worker', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await startDevServer();
  });

  afterAll(async () => {
    await env.teardown();
  });

  it('delivers once after the worker is SIGKILLed while a delivery waits, and 50 runs give 50 events', async () => {
    const { dataDir, cleanup } = await makeDataDir();
    const taskQueue = `durable-hooks-${randomUUID()}`;
    const receiver = await startReceiver(SECRET, { '/later': [500, 204], '/many': [204] });
    const workerEnv = {
      DATA_DIR: dataDir,
      TEMPORAL_ADDRESS: env.address,
      TASK_QUEUE: taskQueue,
      WEBHOOK_SECRETS: SECRET,
      WEBHOOK_ALLOW_PRIVATE: 'true',
    };
    let worker = startEntrypoint('src/worker.ts', workerEnv);
    try {
      const server = (
        await buildApp(env.client, dataDir, taskQueue, {
          callbacks: { enabled: true, allowPrivate: true, retryScheduleMs: [0, 4_000] },
        })
      ).callback();
      const progressOf = async (videoId: string) =>
        (await request(server).get(`/api/v1/videos/${videoId}/reprocess`)).body as TaskProgressResponse;

      await addVideo(dataDir, 'later', { seconds: 1, width: 160, height: 120 });
      const started = await request(server)
        .post('/api/v1/videos/later/reprocess')
        .send({ steps: ['probe'], callback_url: `${receiver.base}/later` });
      expect(started.status).toBe(202);
      const runId = (started.body as { run_id: string }).run_id;
      await eventually(
        async () => ((await progressOf('later')).notify?.status === 'waiting' ? true : undefined),
        60_000,
      );
      worker.kill('SIGKILL');
      await new Promise((resolve) => worker.once('exit', resolve));
      worker = startEntrypoint('src/worker.ts', workerEnv);
      const delivered = await eventually(async () => {
        const body = await progressOf('later');
        return body.notify?.status === 'delivered' ? body : undefined;
      }, 60_000);
      expect(delivered.notify).toMatchObject({ attempt: 2, last_status: 204 });
      const later = receiver.at('/later');
      expect(later.map((r) => r.id)).toEqual([`msg_${runId}`, `msg_${runId}`]);
      expect(later.every((r) => r.verified !== null)).toBe(true);

      const ids = Array.from({ length: 50 }, (_, i) => `many-${i}`);
      for (const id of ids) await addVideo(dataDir, id, { seconds: 1, width: 96, height: 64 });
      for (const id of ids) {
        const answer = await request(server)
          .post(`/api/v1/videos/${id}/reprocess`)
          .send({ steps: ['probe'], callback_url: `${receiver.base}/many` });
        expect(answer.status).toBe(202);
      }
      await eventually(() => (receiver.at('/many').length >= ids.length ? true : undefined), 240_000);
      // Settled: nothing more arrives once each run has its event.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const events = receiver.at('/many');
      expect(events).toHaveLength(50);
      expect(new Set(events.map((r) => r.id)).size).toBe(50);
      const videos = events.map((r) => (r.verified as { data: { video_id: string } } | null)?.data.video_id);
      expect(new Set(videos)).toEqual(new Set(ids));
    } finally {
      await stopProcess(worker);
      await receiver.close();
      await cleanup();
    }
  }, 420_000);
});
