import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Activities, RunFinishedInput, RunStartedInput } from '../../src/activities';
import type { VideoInfo } from '../../src/media/probe';
import { HEARTBEAT_THROTTLE } from '../../src/worker';
import type { ReprocessVideo } from '../../src/workflows';
import {
  REPROCESS_STAGE,
  REPROCESS_WORKFLOW_TYPE,
  progressQuery,
  subtaskProgressSignal,
} from '../../src/workflows/definitions';
import { Gate, eventually } from '../helpers/gate';
import { noBatches } from '../helpers/activities';
import { startDevServer } from '../helpers/temporal';

const RENDITIONS = [{ name: '240p', width: 320, height: 240, videoKbps: 400, audioKbps: 128 }];

const INFO: VideoInfo = {
  durationSeconds: 2,
  width: 320,
  height: 240,
  codedWidth: 320,
  codedHeight: 240,
  rotation: 0,
  interlaced: false,
  videoCodec: 'h264',
  frameRate: 25,
  pixelFormat: 'yuv420p',
  hasAudio: false,
  audioCodec: null,
  audioChannels: null,
  sampleRate: null,
  formatName: 'mov',
  sizeBytes: 1,
  bitRate: 1,
};

describe('ReprocessVideo on a real dev server (stubbed activities)', () => {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `workflow-test-${randomUUID()}`;
  // Each test sets how the stubbed steps behave; after each, pass or fail, they succeed at once again.
  const defaults = {
    probe: (): Promise<VideoInfo> => Promise.resolve(INFO),
    transcode: (_input?: { chunk?: { index: number } }): Promise<unknown> => Promise.resolve({ master: 'master.m3u8' }),
    scenes: (): Promise<unknown> => Promise.resolve({ cuts: 0 }),
  };
  let probeImpl: (input: { videoId: string }) => Promise<VideoInfo> = defaults.probe;
  let transcodeImpl: (input?: { chunk?: { index: number } }) => Promise<unknown> = defaults.transcode;
  // The chunks the stub probe plans: none (one chunk) unless a test says.
  let chunksPlanned: unknown[] | undefined;
  let scenesImpl: () => Promise<unknown> = defaults.scenes;
  const calls: string[] = [];
  afterEach(() => {
    probeImpl = defaults.probe;
    transcodeImpl = defaults.transcode;
    chunksPlanned = undefined;
    scenesImpl = defaults.scenes;
    calls.length = 0;
  });
  const stubs = {
    probe: async (input: { videoId: string }) => ({
      info: await probeImpl(input),
      renditions: RENDITIONS,
      ...(chunksPlanned === undefined ? {} : { chunks: chunksPlanned }),
    }),
    thumbnails: () => Promise.resolve({ poster: 'poster.jpg' }),
    transcode: () => transcodeImpl(),
    // The run transcodes in chunks (one here: the stub probe plans none); a chunk behaves as the test sets.
    transcodeChunk: (input: { chunk: { index: number } }) => transcodeImpl(input),
    transcodeAudio: () => Promise.resolve({ folder: 'chunks/audio/done', tracks: [] }),
    assembleLadder: () => Promise.resolve({ master: 'master.m3u8' }),
    audio: () => Promise.resolve({ skipped: true, reason: 'the video has no audio stream' }),
    scenes: () => scenesImpl(),
    publish: () => {
      calls.push('publish');
      return Promise.resolve({ runId: 'r', manifest: 'manifest.json', files: 1, bytes: 1 });
    },
    discardStaging: () => {
      calls.push('discardStaging');
      return Promise.resolve();
    },
    recordRunStarted: (input: RunStartedInput) => {
      calls.push(`recordRunStarted ${input.videoId}`);
      return Promise.resolve();
    },
    recordRunFinished: (input: RunFinishedInput) => {
      calls.push(`recordRunFinished ${input.videoId} ${input.status}`);
      return Promise.resolve();
    },
    // No run here names a callback_url: nothing is delivered.
    deliverWebhook: () => Promise.reject(new Error('no run here has a callback')),
    recordDelivery: () => Promise.resolve(),
    // No batch here.
    ...noBatches(),
  } satisfies Record<keyof Activities, unknown>;

  beforeAll(async () => {
    env = await startDevServer();
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('../../src/workflows'),
      activities: stubs,
      ...HEARTBEAT_THROTTLE,
    });
    running = worker.run();
  });

  afterAll(async () => {
    worker.shutdown();
    await running;
    await env.teardown();
  });

  function start(videoId: string): Promise<WorkflowHandleWithFirstExecutionRunId<typeof ReprocessVideo>> {
    return env.client.workflow.start<typeof ReprocessVideo>(REPROCESS_WORKFLOW_TYPE, {
      workflowId: videoId,
      taskQueue,
      args: [{ videoId }],
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    });
  }

  it('answers the progress query while a step runs, then completes with the probe result', async () => {
    const gate = new Gate();
    probeImpl = async () => {
      await gate.passed;
      return INFO;
    };
    const handle = await start('query-me');
    const during = await eventually(async () => {
      const state = await handle.query(progressQuery);
      return state.steps[0]?.status === 'running' ? state : undefined;
    });
    expect(during).toMatchObject({ videoId: 'query-me', phase: 'running', finishedAt: null });
    gate.open();
    expect(await handle.result()).toMatchObject({ videoId: 'query-me', info: INFO, manifest: 'manifest.json' });
    const after = await handle.query(progressQuery);
    expect(after.phase).toBe('completed');
    expect(after.overall).toBe(1);
    expect(after.seq).toBeGreaterThan(during.seq);
    expect(after.steps[0]).toMatchObject({ status: 'completed', fraction: 1, attempt: 1 });
    const statuses = Object.fromEntries(after.steps.map((step) => [step.name, step.status]));
    expect(statuses).toEqual({
      probe: 'completed',
      thumbnails: 'completed',
      transcode: 'completed',
      audio: 'skipped',
      scenes: 'completed',
      publish: 'completed',
    });
    expect(after.steps.find((step) => step.name === 'audio')?.message).toBe('the video has no audio stream');
    const description = await handle.describe();
    expect(description.typedSearchAttributes.get(REPROCESS_STAGE)).toBe('completed');
  });

  it('records its start, then its outcome after publishing, in the catalog', async () => {
    calls.length = 0;
    await (await start('recorded')).result();
    expect(calls).toEqual(['recordRunStarted recorded', 'publish', 'recordRunFinished recorded completed']);
  });

  it('refuses a second start while a run is open and allows a new run once it closed', async () => {
    const gate = new Gate();
    probeImpl = async () => {
      await gate.passed;
      return INFO;
    };
    const first = await start('one-at-a-time');
    await expect(start('one-at-a-time')).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    gate.open();
    await first.result();
    probeImpl = () => Promise.resolve(INFO);
    const second = await start('one-at-a-time');
    expect(second.firstExecutionRunId).not.toBe(first.firstExecutionRunId);
    await second.result();
  });

  it('takes progress reports through the subtaskProgress signal, monotonically', async () => {
    const gate = new Gate();
    probeImpl = async () => {
      await gate.passed;
      return INFO;
    };
    const handle = await start('signalled');
    await eventually(async () => ((await handle.query(progressQuery)).steps[0]?.attempt === 1 ? true : undefined));
    const at = new Date().toISOString();
    await handle.signal(subtaskProgressSignal, { step: 'probe', attempt: 1, fraction: 0.6, message: 'reading', at });
    await handle.signal(subtaskProgressSignal, { step: 'probe', attempt: 1, fraction: 0.3, at });
    const state = await handle.query(progressQuery);
    expect(state.steps[0]).toMatchObject({ fraction: 0.6, message: 'reading' });
    gate.open();
    await handle.result();
  });

  it('fails at once on bad input, without retrying it', async () => {
    let attempts = 0;
    probeImpl = () => {
      attempts += 1;
      throw ApplicationFailure.create({
        message: 'the file has no video stream',
        type: 'InvalidMedia',
        nonRetryable: true,
      });
    };
    const handle = await start('bad-input');
    const error = await handle.result().then(
      () => null,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toMatchObject({ type: 'InvalidMedia' });
    expect(attempts).toBe(1);
    const state = await handle.query(progressQuery);
    expect(state).toMatchObject({ phase: 'failed', error: 'the file has no video stream' });
    expect(state.steps[0]).toMatchObject({ status: 'failed', error: 'the file has no video stream' });
  });

  it('retries a transient failure and succeeds', async () => {
    let attempts = 0;
    probeImpl = () => {
      attempts += 1;
      if (attempts === 1) throw new Error('disk hiccup');
      return Promise.resolve(INFO);
    };
    const handle = await start('flaky');
    await handle.result();
    expect(attempts).toBe(2);
  });

  it('fails the run when a step fails for good: siblings cancelled, staging discarded, nothing published', async () => {
    let scenesCancelled = false;
    scenesImpl = async () => {
      try {
        for (;;) {
          Context.current().heartbeat();
          await Context.current().sleep(100);
        }
      } catch (error) {
        scenesCancelled = true;
        throw error;
      }
    };
    transcodeImpl = async () => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      throw ApplicationFailure.create({ message: 'the encoder gave up', nonRetryable: true });
    };
    calls.length = 0;
    const handle = await start('sibling-fails');
    const failure = await handle.result().then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(scenesCancelled).toBe(true);
    expect(calls).toEqual([
      'recordRunStarted sibling-fails',
      'discardStaging',
      'recordRunFinished sibling-fails failed',
    ]);
    const state = await handle.query(progressQuery);
    const statuses = Object.fromEntries(state.steps.map((step) => [step.name, step.status]));
    expect(statuses).toMatchObject({ transcode: 'failed', scenes: 'cancelled', publish: 'cancelled' });
    expect(state).toMatchObject({ phase: 'failed', error: 'the encoder gave up' });
  });

  it('stops the other chunks, on whichever worker, before the run fails on a chunk that failed for good', async () => {
    chunksPlanned = [0, 1, 2].map((index) => ({
      index,
      first: index * 4,
      end: index === 2 ? null : index * 4 + 4,
      startSeconds: index * 16,
      seconds: 16,
    }));
    transcodeImpl = async (input) => {
      if (input?.chunk?.index === 1) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        throw ApplicationFailure.create({ message: 'chunk 2 could not be encoded', nonRetryable: true });
      }
      try {
        for (;;) {
          Context.current().heartbeat();
          await Context.current().sleep(100);
        }
      } catch (error) {
        calls.push(`chunk ${input?.chunk?.index} stopped`);
        throw error;
      }
    };
    calls.length = 0;
    const handle = await start('chunk-fails');
    expect(
      await handle.result().then(
        () => null,
        (error: unknown) => error,
      ),
    ).toBeInstanceOf(WorkflowFailedError);
    // Both other chunks were stopped, and only then was staging removed.
    expect(calls.slice(1, 3).sort()).toEqual(['chunk 0 stopped', 'chunk 2 stopped']);
    expect(calls.slice(3)).toEqual(['discardStaging', 'recordRunFinished chunk-fails failed']);
    const state = await handle.query(progressQuery);
    const transcode = state.steps.find((step) => step.name === 'transcode');
    expect(transcode).toMatchObject({ status: 'failed', error: 'chunk 2 could not be encoded' });
    expect(transcode?.parts).toHaveLength(3);
  });

  it('ends cancelled when the run is cancelled', async () => {
    // Like every long step: heartbeat (which is how cancellation reaches an activity) until cancelled.
    probeImpl = async () => {
      for (;;) {
        Context.current().heartbeat();
        await Context.current().sleep(100);
      }
    };
    const handle = await start('cancel-me');
    await eventually(async () =>
      (await handle.query(progressQuery)).steps[0]?.status === 'running' ? true : undefined,
    );
    await handle.cancel();
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    const state = await handle.query(progressQuery);
    expect(state.phase).toBe('cancelled');
    expect(state.steps[0]?.status).toBe('cancelled');
    expect((await handle.describe()).status.name).toBe('CANCELLED');
  });
});
