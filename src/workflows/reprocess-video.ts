import {
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { MEDIA_STEPS, RunProgress, selectSteps, stepWeights, toPercent } from '../progress';
import { shortStepsOfThisRun } from './activities';
import {
  REPROCESS_STAGE,
  progressQuery,
  subtaskProgressSignal,
  type ReprocessInput,
  type ReprocessResult,
} from './definitions';
import { describeFailure, failureType } from './failures';
import { announceEnd } from './announce';
import { hostOf } from './callback-host';
import { recordRun } from './run-record';
import { now, runMediaStep, tracked, type RunOutputs } from './steps';

export { RECORD_RUNS_PATCH } from './run-record';

/**
 * Reprocesses one video: probe it, then make thumbnails, the HLS ladder, the audio track and the scene list side by
 * side, then publish them all at once. Progress is kept here and answered by the `progress` query.
 */
export async function ReprocessVideo(input: ReprocessInput): Promise<ReprocessResult> {
  const { videoId } = input;
  const { runId } = workflowInfo();
  const steps = selectSteps(input.steps);
  const progress = new RunProgress(videoId, runId, steps, now());
  setHandler(progressQuery, () => progress.snapshot());
  setHandler(subtaskProgressSignal, (report) => {
    if (progress.report(report)) setCurrentDetails(`**${report.step}** · ${toPercent(progress.overall)} %`);
  });
  const setStage = (stage: string) => {
    upsertSearchAttributes([{ key: REPROCESS_STAGE, value: stage }]);
    setCurrentDetails(`**${stage}** · ${toPercent(progress.overall)} %`);
  };
  const outputs: RunOutputs = {};
  const startedAt = now();
  const { probe, publish, discardStaging, ...records } = shortStepsOfThisRun();
  const record = recordRun(progress, { videoId, runId, steps, startedAt }, records);
  if (input.notify) progress.announceTo(hostOf(input.notify.url));

  try {
    setStage('probe');
    const probed = await tracked(progress, 'probe', () =>
      probe.executeWithOptions({ summary: `ffprobe ${videoId}` }, [
        { videoId, ...(input.renditions ? { renditions: input.renditions } : {}) },
      ]),
    );
    const { info, renditions, chunks } = probed;
    Object.assign(outputs, { info, renditions });
    progress.reweigh(
      stepWeights({
        durationSeconds: info.durationSeconds,
        renditionPixels: renditions.reduce((sum, r) => sum + r.width * r.height, 0),
        hasAudio: info.hasAudio,
      }),
      now(),
    );

    setStage('processing');
    await CancellationScope.cancellable(async () => {
      const running = MEDIA_STEPS.filter((name) => progress.isSelected(name)).map((name) =>
        tracked(progress, name, () =>
          runMediaStep(
            name,
            {
              videoId,
              info,
              renditions,
              ...(chunks === undefined ? {} : { chunks }),
              share: progress.shareOf(name),
              ...(input.mediaTaskQueue === undefined ? {} : { mediaTaskQueue: input.mediaTaskQueue }),
            },
            progress,
          ),
        ).then((outcome) => Object.assign(outputs, { [name]: outcome })),
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
      tracked(progress, 'publish', () =>
        publish.executeWithOptions({ summary: `publish ${videoId}` }, [{ videoId, outputs }]),
      ),
    );
    const result: ReprocessResult = { videoId, info, outputs, manifest: published.manifest };
    progress.finish('completed', now(), { result });
    setStage('completed');
    await record.outcome(info);
    await announceEnd(input, progress, 'completed', startedAt);
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
    await record.outcome();
    await announceEnd(input, progress, phase, startedAt);
    if (phase === 'cancelled') throw error;
    throw ApplicationFailure.create({
      message: describeFailure(error),
      type: failureType(error),
      nonRetryable: true,
      cause: error instanceof Error ? error : undefined,
    });
  }
}
