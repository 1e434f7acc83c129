import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type RetryPolicy,
} from '@temporalio/workflow';
import type { VideoInfo } from '../media/probe';
import type { Activities } from '../activities';
import {
  MEDIA_STEPS,
  RunProgress,
  selectSteps,
  stepWeights,
  toPercent,
  type MediaStepName,
  type StepName,
} from '../progress';
import {
  NON_RETRYABLE_ERROR_TYPES,
  REPROCESS_STAGE,
  progressQuery,
  subtaskProgressSignal,
  type ReprocessInput,
  type ReprocessResult,
} from './definitions';

const retry: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  maximumAttempts: 5,
  nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
};

// Short steps do not heartbeat, so a cancellation cannot reach them: WAIT_CANCELLATION_COMPLETED makes the workflow
// wait for them to finish rather than clean up under their feet (a probe writing info.json after the cleanup).
const { probe, publish, discardStaging } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry,
});

// The catalog may be briefly unreachable (a database restart): its records retry for a while, and a record that
// still fails is logged, never allowed to fail the processing it describes.
const records = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 8 },
});

/**
 * Runs record themselves in the catalog from this change on. Histories recorded before it replay without the
 * records (patched() is false for them), so workers can be upgraded while such runs are open.
 */
export const RECORD_RUNS_PATCH = 'record-runs-in-catalog';

// Long steps heartbeat on every ffmpeg progress block, so a dead worker is noticed within the heartbeat timeout.
// WAIT_CANCELLATION_COMPLETED: a cancelled step returns only once its ffmpeg is dead, so cleanup never races it.
const media = proxyActivities<Activities>({
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '10 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry,
});

/**
 * Reprocesses one video: probe it, then make thumbnails, the HLS ladder, the audio track and the scene list side by
 * side, then publish them all at once. Progress is kept here and answered by the `progress` query.
 */
export async function ReprocessVideo(input: ReprocessInput): Promise<ReprocessResult> {
  const { videoId } = input;
  const now = () => new Date().toISOString();
  const progress = new RunProgress(videoId, workflowInfo().runId, selectSteps(input.steps), now());
  setHandler(progressQuery, () => progress.snapshot());
  setHandler(subtaskProgressSignal, (report) => {
    if (progress.report(report)) setCurrentDetails(`**${report.step}** · ${toPercent(progress.overall)} %`);
  });
  const outputs: Record<string, unknown> = {};
  let probed: Awaited<ReturnType<Activities['probe']>>;
  const recorded = patched(RECORD_RUNS_PATCH);
  const run = { videoId, runId: workflowInfo().runId, steps: selectSteps(input.steps), startedAt: now() };
  // Side by side with the probe: the record must not delay the work.
  const startRecorded = recorded
    ? record('start', () => records.recordRunStarted({ ...run, snapshot: progress.snapshot() }))
    : Promise.resolve();

  /** Records how the run ended, even while the run is being cancelled. */
  async function recordOutcome(publishedInfo?: VideoInfo): Promise<void> {
    if (!recorded) return;
    const state = progress.snapshot();
    await CancellationScope.nonCancellable(async () => {
      await startRecorded;
      await record('outcome', () =>
        records.recordRunFinished({
          ...run,
          snapshot: state,
          status: state.phase === 'running' ? 'failed' : state.phase,
          progress: toPercent(state.overall),
          error: state.error,
          finishedAt: state.finishedAt ?? now(),
          ...(publishedInfo === undefined ? {} : { publishedInfo }),
        }),
      );
    });
  }

  async function step<T>(name: StepName, run: () => Promise<T>): Promise<T> {
    progress.start(name, now());
    try {
      const value = await run();
      if (isSkipped(value)) progress.skip(name, now(), value.reason);
      else progress.complete(name, now());
      setCurrentDetails(`**${name}** done · ${toPercent(progress.overall)} %`);
      return value;
    } catch (error) {
      if (!isCancellation(error)) progress.fail(name, now(), describeFailure(error));
      throw error;
    }
  }

  function runMediaStep(name: MediaStepName, info: VideoInfo): Promise<unknown> {
    const args = { videoId, info, share: progress.shareOf(name) };
    const summary = `${name} ${videoId}`;
    switch (name) {
      case 'thumbnails':
        return media.thumbnails.executeWithOptions({ summary }, [args]);
      case 'audio':
        return media.audio.executeWithOptions({ summary }, [args]);
      case 'scenes':
        return media.scenes.executeWithOptions({ summary }, [args]);
      case 'transcode':
        return media.transcode.executeWithOptions({ summary }, [{ ...args, renditions: probed.renditions }]);
    }
  }

  try {
    setStage('probe');
    probed = await step('probe', () =>
      probe.executeWithOptions({ summary: `ffprobe ${videoId}` }, [
        { videoId, ...(input.renditions ? { renditions: input.renditions } : {}) },
      ]),
    );
    outputs['info'] = probed.info;
    outputs['renditions'] = probed.renditions;
    progress.reweigh(
      stepWeights({
        durationSeconds: probed.info.durationSeconds,
        renditionPixels: probed.renditions.reduce((sum, r) => sum + r.width * r.height, 0),
        hasAudio: probed.info.hasAudio,
      }),
      now(),
    );

    setStage('processing');
    const selected = MEDIA_STEPS.filter((name) => progress.isSelected(name));
    await CancellationScope.cancellable(async () => {
      const running = selected.map((name) =>
        step(name, () => runMediaStep(name, probed.info)).then((value) => {
          outputs[name] = value;
        }),
      );
      try {
        await Promise.all(running);
      } catch (error) {
        // One step failed after its retries: the run fails, so its siblings' work is wasted — stop them now.
        CancellationScope.current().cancel();
        await Promise.allSettled(running);
        throw error;
      }
    });

    setStage('publish');
    // Publishing is the run's commit point: once it has begun it finishes, even if a cancel arrives meanwhile, so
    // a run never ends `cancelled` with its outputs half switched in.
    const published = await CancellationScope.nonCancellable(() =>
      step('publish', () => publish.executeWithOptions({ summary: `publish ${videoId}` }, [{ videoId, outputs }])),
    );
    const result: ReprocessResult = { videoId, info: probed.info, outputs, manifest: published.manifest };
    progress.finish('completed', now(), { result });
    setStage('completed');
    await recordOutcome(probed.info);
    return result;
  } catch (error) {
    const phase = isCancellation(error) ? 'cancelled' : 'failed';
    // Runs even when the workflow itself is being cancelled: staging must not outlive the run. If the cleanup
    // itself fails, the run still ends with the step's error, which is what the client needs to know.
    try {
      await CancellationScope.nonCancellable(() =>
        discardStaging.executeWithOptions({ summary: `discard staging of ${videoId}` }, [{ videoId }]),
      );
    } catch (cleanupError) {
      log.warn('staging could not be removed', { videoId, error: describeFailure(cleanupError) });
    }
    progress.cancelUnfinished(now());
    progress.finish(phase, now(), phase === 'failed' ? { error: describeFailure(error) } : {});
    setStage(phase);
    await recordOutcome();
    if (phase === 'cancelled') throw error;
    throw ApplicationFailure.create({
      message: describeFailure(error),
      type: failureType(error),
      nonRetryable: true,
      cause: error instanceof Error ? error : undefined,
    });
  }

  function setStage(stage: string): void {
    upsertSearchAttributes([{ key: REPROCESS_STAGE, value: stage }]);
    setCurrentDetails(`**${stage}** · ${toPercent(progress.overall)} %`);
  }
}

/** Runs a catalog record; its failure is logged, and the run goes on. */
async function record(what: string, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (error) {
    log.warn(`the run's ${what} could not be recorded in the catalog`, { error: describeFailure(error) });
  }
}

function isSkipped(value: unknown): value is { skipped: true; reason: string } {
  return typeof value === 'object' && value !== null && (value as { skipped?: unknown }).skipped === true;
}

/**
 * The message a client should read: the step's own ApplicationFailure (an ActivityFailure only says "Activity task
 * failed"; the causes below the step's failure are internals such as ffprobe's command line).
 */
function describeFailure(error: unknown): string {
  let current: unknown = error;
  let innermost: unknown = error;
  while (current instanceof Error) {
    if (current instanceof ApplicationFailure) return current.message;
    innermost = current;
    current = current.cause;
  }
  return innermost instanceof Error ? innermost.message : String(error);
}

function failureType(error: unknown): string {
  let current: unknown = error;
  while (current instanceof Error) {
    if (current instanceof ApplicationFailure && current.type) return current.type;
    current = current.cause;
  }
  return 'StepFailed';
}
