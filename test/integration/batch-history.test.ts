import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { createBatchActivities } from '../../src/activities/batch';
import type { OpenBatchRun } from '../../src/progress';
import {
  BATCH_HISTORY_LIMIT,
  batchWorkflowId,
  REPROCESS_BATCH_WORKFLOW_TYPE,
  type BatchView,
} from '../../src/workflows/definitions';
import { startDevServer } from '../helpers/temporal';

const VIDEOS = 100_000;

/**
 * A batch of 100,000 videos on a real dev server, with stub activities (each run "closes" at once): continue-as-new
 * keeps every execution's history short, and the counts come out whole.
 */
describe('ReprocessBatch over 100,000 videos', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await startDevServer();
  });

  afterAll(async () => {
    await env?.teardown();
  });

  it('keeps every history under 10,000 events through continue-as-new, and counts every video once', async () => {
    const taskQueue = `batch-history-${randomUUID()}`;
    const started = new Set<string>();
    const activities: ReturnType<typeof createBatchActivities> = {
      selectBatchPage: ({ after, limit }) => {
        const from = after ? Number(after.id) + 1 : 0;
        const ids = Array.from({ length: Math.max(0, Math.min(limit, VIDEOS - from)) }, (_, i) => String(from + i));
        const last = ids.at(-1);
        return Promise.resolve({
          videos: ids.map((videoId) => ({ videoId, cost: 1 })),
          after:
            last !== undefined && Number(last) < VIDEOS - 1
              ? { createdAt: '2026-01-01T00:00:00.000Z', id: last }
              : null,
        });
      },
      startBatchRuns: ({ videos }) => {
        for (const video of videos) started.add(video.videoId);
        return Promise.resolve({
          open: videos.map((video) => ({ ...video, runId: `run-${video.videoId}`, ours: true })),
          done: [],
        });
      },
      awaitBatchRuns: ({ open }) =>
        Promise.resolve(
          open.map((run: OpenBatchRun) => ({
            video: { videoId: run.videoId, cost: run.cost },
            outcome: 'completed' as const,
            runId: run.runId,
            errorCode: null,
            error: null,
          })),
        ),
      cancelBatchRuns: () => Promise.resolve(),
      recordBatch: () => Promise.resolve(),
    };
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('../../src/workflows'),
      activities,
    });
    const workflowId = batchWorkflowId(`sim-${randomUUID()}`);
    const result = await worker.runUntil(
      env.client.workflow.execute<(input: unknown) => Promise<BatchView>>(REPROCESS_BATCH_WORKFLOW_TYPE, {
        workflowId,
        taskQueue,
        args: [{ batchId: 'sim', total: VIDEOS, run: {}, concurrency: 100, onOpenRun: 'skip' }],
      }),
    );
    expect(result.counts).toMatchObject({ selected: VIDEOS, completed: VIDEOS, failed: 0, running: 0, pending: 0 });
    expect(started.size).toBe(VIDEOS);
    expect(result.percent).toBe(100);

    const lengths: number[] = [];
    for await (const execution of env.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
      lengths.push((await env.client.workflow.getHandle(workflowId, execution.runId).describe()).historyLength);
    }
    console.log(`100,000 videos: ${lengths.length} executions, the longest history ${Math.max(...lengths)} events`);
    expect(lengths.length).toBe(result.executions);
    expect(lengths.length).toBeGreaterThan(1);
    expect(Math.max(...lengths)).toBeLessThan(10_000);
    expect(Math.max(...lengths)).toBeLessThan(BATCH_HISTORY_LIMIT + 100);
  }, 600_000);
});
