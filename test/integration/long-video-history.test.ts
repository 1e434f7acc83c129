import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../src/activities';
import type { ChunkInput } from '../../src/activities/transcode-chunk';
import { createProgressReporter } from '../../src/activities/reporter';
import type { MediaStepInput } from '../../src/activities/step-input';
import { planChunks } from '../../src/media/chunks';
import { planLadder } from '../../src/media/ladder';
import type { VideoInfo } from '../../src/media/probe';
import { HEARTBEAT_THROTTLE, signalThrough } from '../../src/worker';
import type { ReprocessVideo } from '../../src/workflows';
import { REPROCESS_WORKFLOW_TYPE, progressQuery } from '../../src/workflows/definitions';
import { noBatches } from '../helpers/activities';
import { startDevServer } from '../helpers/temporal';

const SIX_HOURS = 6 * 3600;

const INFO: VideoInfo = {
  durationSeconds: SIX_HOURS,
  width: 1920,
  height: 1080,
  codedWidth: 1920,
  codedHeight: 1080,
  rotation: 0,
  interlaced: false,
  videoCodec: 'h264',
  frameRate: 30,
  pixelFormat: 'yuv420p',
  hasAudio: true,
  audioCodec: 'aac',
  audioChannels: 2,
  sampleRate: 48_000,
  formatName: 'mov',
  sizeBytes: 1,
  bitRate: 1,
};

/**
 * A 6-hour video's run stays far inside Temporal's history limits: its ladder is many chunks, every chunk and every
 * other step reports progress through the real reporter and throttle, many at once and none sharing a signal,
 * and the whole run still ends under 1,000 events. The activities are stubs that only report; the workflow, the
 * chunk plan and the progress path are the real ones.
 */
describe('the history of a 6-hour video', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await startDevServer();
  });

  afterAll(async () => {
    await env.teardown();
  });

  it('ends under 1,000 events with every chunk reporting progress', async () => {
    const taskQueue = `long-history-${randomUUID()}`;
    const chunks = planChunks(INFO, 8);
    /**
     * A step's work: a hundred progress updates, as an encode's would be, a few milliseconds apart. Each activity
     * gets a reporter of its own, as if every chunk ran on a worker of its own: the worst case, where no two
     * parts' reports share a signal.
     */
    const report = async (step: 'thumbnails' | 'transcode' | 'audio' | 'scenes', input: MediaStepInput) => {
      const tracker = createProgressReporter(signalThrough(env.client))(step, input.share, input.part);
      try {
        for (let i = 1; i <= 100; i += 1) {
          tracker.update(i / 100);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      } finally {
        tracker.release();
      }
    };
    const stubs = {
      probe: () => Promise.resolve({ info: INFO, renditions: planLadder(INFO), chunks }),
      thumbnails: async (input: MediaStepInput) => report('thumbnails', input).then(() => ({ poster: 'poster.jpg' })),
      transcode: () => Promise.reject(new Error('a chunked run never calls the one-activity transcode')),
      transcodeChunk: async (input: ChunkInput) =>
        report('transcode', input).then(() => ({
          index: input.chunk.index,
          first: input.chunk.first,
          segments: 1,
          resumes: [],
        })),
      transcodeAudio: async (input: MediaStepInput) =>
        report('transcode', input).then(() => ({ folder: 'chunks/audio/done', tracks: [] })),
      assembleLadder: () => Promise.resolve({ master: 'master.m3u8', chunks: chunks.length }),
      audio: async (input: MediaStepInput) => report('audio', input).then(() => ({ skipped: false })),
      scenes: async (input: MediaStepInput) => report('scenes', input).then(() => ({ cuts: 0 })),
      publish: () => Promise.resolve({ runId: 'r', manifest: 'manifest.json', files: 1, bytes: 1 }),
      discardStaging: () => Promise.resolve(),
      recordRunStarted: () => Promise.resolve(),
      recordRunFinished: () => Promise.resolve(),
      deliverWebhook: () => Promise.reject(new Error('no callback here')),
      recordDelivery: () => Promise.resolve(),
      // No batch here.
      ...noBatches(),
    } satisfies Record<keyof Activities, unknown>;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('../../src/workflows'),
      activities: stubs,
      // Many chunks at once, as a deployment of several media workers runs them.
      maxConcurrentActivityTaskExecutions: 16,
      ...HEARTBEAT_THROTTLE,
    });
    const videoId = `six-hours-${randomUUID().slice(0, 8)}`;
    const state = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start<typeof ReprocessVideo>(REPROCESS_WORKFLOW_TYPE, {
        taskQueue,
        workflowId: videoId,
        args: [{ videoId }],
      });
      await handle.result();
      return handle.query(progressQuery);
    });
    const history = (await env.client.workflow.getHandle(videoId).fetchHistory()).events ?? [];
    const signals = history.filter((event) => event.workflowExecutionSignaledEventAttributes).length;
    console.log(
      `6-hour video: ${chunks.length} chunks, ${history.length} history events (${signals} progress signals)`,
    );
    expect(chunks.length).toBeGreaterThanOrEqual(40);
    expect(state.phase).toBe('completed');
    const transcode = state.steps.find((step) => step.name === 'transcode');
    expect(transcode?.parts).toHaveLength(chunks.length + 1);
    expect(transcode?.parts?.every((part) => part.status === 'completed')).toBe(true);
    // The signals did arrive (progress was reported), and the run stayed under budget.
    expect(signals).toBeGreaterThan(10);
    expect(history.length).toBeLessThan(1000);
  }, 180_000);
});
