import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { videoInCatalog } from '../../src/api/videos';
import { REPROCESS_WORKFLOW_TYPE, type ReprocessInput } from '../../src/workflows/definitions';
import { openTestCatalog } from '../helpers/catalog';
import { eventually } from '../helpers/gate';
import { addVideo, makeDataDir } from '../helpers/media';
import { freePort } from '../helpers/ports';
import { sample } from '../helpers/prometheus';
import { startEntrypoint, stopProcess } from '../helpers/processes';
import { startDevServer } from '../helpers/temporal';

describe("e2e: the worker process's metrics", () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await startDevServer();
  });

  afterAll(async () => {
    await env.teardown();
  });

  it("serves its steps' durations, attempts, speed, slots and bytes, and the SDK's own, on WORKER_METRICS_PORT", async () => {
    const { dataDir, cleanup } = await makeDataDir();
    const taskQueue = `worker-metrics-${randomUUID()}`;
    await addVideo(dataDir, 'metered', { seconds: 2, width: 160, height: 120 });
    const { catalog, close } = await openTestCatalog(dataDir);
    await videoInCatalog(catalog, dataDir)('metered');
    await close();
    const port = await freePort();
    const worker = startEntrypoint('src/worker.ts', {
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      TEMPORAL_ADDRESS: env.address,
      TASK_QUEUE: taskQueue,
      MEDIA_SLOTS: '3',
      WORKER_METRICS_PORT: String(port),
    });
    try {
      const input: ReprocessInput = { videoId: 'metered', mediaTaskQueue: `${taskQueue}-media` };
      const handle = await env.client.workflow.start(REPROCESS_WORKFLOW_TYPE, {
        workflowId: 'metered',
        taskQueue,
        args: [input],
      });
      await handle.result();
      const page = await eventually(async () => {
        const response = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => null);
        return response?.ok ? response.text() : undefined;
      });
      // A 2-s clip is one chunk; its audio is a rendition of its own, and the ladder is put together after them.
      const activities = ['thumbnails', 'transcodeChunk', 'transcodeAudio', 'assembleLadder', 'audio', 'scenes'];
      for (const step of ['probe', ...activities, 'publish']) {
        expect(
          sample(page, 'reprocess_step_attempts_total', `{step="${step}",outcome="completed",failure_type=""}`),
        ).toBe(1);
        expect(sample(page, 'reprocess_step_duration_seconds_count', `{step="${step}",outcome="completed"}`)).toBe(1);
      }
      expect(sample(page, 'reprocess_encode_speed_ratio_count', '{step="transcodeChunk"}')).toBe(1);
      expect(sample(page, 'reprocess_encode_speed_ratio_sum', '{step="transcodeChunk"}')).toBeGreaterThan(0);
      expect(sample(page, 'reprocess_media_slots')).toBe(3);
      expect(sample(page, 'reprocess_media_slots_in_use')).toBe(0);
      expect(page).not.toMatch(/^reprocess_step_retries_total\{/m);
      expect(sample(page, 'reprocess_output_bytes_total')).toBeGreaterThan(10_000);
      // The SDK's own: its task slots (MEDIA_SLOTS on the media queue, all free by now) and the activities'
      // schedule-to-start latency, per task queue.
      const mediaSlots = page
        .split('\n')
        .find(
          (line) =>
            line.startsWith('temporal_worker_task_slots_available{') &&
            line.includes('worker_type="ActivityWorker"') &&
            line.includes(`task_queue="${taskQueue}-media"`),
        );
      expect(Number(mediaSlots?.split(' ').at(-1))).toBe(3);
      expect(page).toMatch(/^temporal_activity_schedule_to_start_latency_(bucket|count)\{/m);
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    } finally {
      await stopProcess(worker);
      await cleanup();
    }
  }, 120_000);
});
