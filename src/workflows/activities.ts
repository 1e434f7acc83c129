// The workflow's view of the activities: how each kind is proxied (timeouts, retries, cancellation).
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  type RetryPolicy,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { NON_RETRYABLE_ERROR_TYPES } from './definitions';

const retry: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  maximumAttempts: 5,
  nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
};

// Short steps do not heartbeat: WAIT_CANCELLATION_COMPLETED makes the workflow wait for them to finish (or, as local
// activities, to stop) rather than clean up under their feet (a probe writing info.json after the cleanup).
const shortStepOptions = {
  startToCloseTimeout: '2 minutes',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry,
} as const;
// The catalog may be briefly unreachable (a database restart): its records retry for a while, and a record that
// still fails is logged, never allowed to fail the processing it describes.
const recordOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 8 },
} as const;

/** The catalog's records as regular activities: the webhook delivery's, and those of runs started before the patch. */
export const records = proxyActivities<Activities>(recordOptions);

/**
 * Runs from this change on run their short steps as local activities: in the workflow worker itself, inside the
 * workflow task, with no round trip through a task queue — the probe's answer schedules the media steps in the same
 * task, and publish, the outcome's record and the close take one task. Histories recorded before replay with regular
 * activities (patched() is false for them). See docs/decisions.md, "The fixed cost of a run".
 */
export const LOCAL_SHORT_STEPS_PATCH = 'short-steps-as-local-activities';

/** One short step, called with a summary for the UI: regular and local activities alike. */
interface ShortStep<Step extends keyof Activities> {
  executeWithOptions(options: { summary: string }, args: Parameters<Activities[Step]>): ReturnType<Activities[Step]>;
}

/** The short steps a run calls: probe, publish, staging cleanup and the catalog records. */
export interface ShortSteps {
  probe: ShortStep<'probe'>;
  publish: ShortStep<'publish'>;
  discardStaging: ShortStep<'discardStaging'>;
  recordRunStarted: ShortStep<'recordRunStarted'>;
  recordRunFinished: ShortStep<'recordRunFinished'>;
}

/** The run's short steps: local activities for runs started from the change on, regular ones for those before. */
export function shortStepsOfThisRun(): ShortSteps {
  if (!patched(LOCAL_SHORT_STEPS_PATCH)) {
    const steps = proxyActivities<Activities>(shortStepOptions);
    return { ...pick(steps), recordRunStarted: records.recordRunStarted, recordRunFinished: records.recordRunFinished };
  }
  // The start's record stays regular: it runs beside the probe, and as a local activity it would hold the task that
  // schedules the media steps until the catalog answered. The outcome's record is the run's last act: local first.
  return {
    ...pick(proxyLocalActivities<Activities>(shortStepOptions)),
    recordRunStarted: records.recordRunStarted,
    recordRunFinished: localFirst('recordRunFinished'),
  };
}

function pick(steps: Pick<ShortSteps, 'probe' | 'publish' | 'discardStaging'>) {
  return { probe: steps.probe, publish: steps.publish, discardStaging: steps.discardStaging };
}

// A local record gets one quick attempt: a local activity retrying holds the workflow task open, which would hold
// back the run's queries and its next commands for as long as the catalog is down.
const quickRecords = proxyLocalActivities<Activities>({
  startToCloseTimeout: '3 seconds',
  retry: { maximumAttempts: 1 },
});

/** A record as a local activity, and when that attempt fails, as a regular one that retries as long as ever. */
function localFirst<Step extends 'recordRunFinished'>(step: Step): ShortStep<Step> {
  const local = quickRecords[step] as unknown as ShortStep<Step>;
  const regular = records[step] as unknown as ShortStep<Step>;
  return {
    async executeWithOptions(options, args) {
      try {
        return await local.executeWithOptions(options, args);
      } catch (error) {
        // A cancellation, or a refusal no retry can change, is the answer; anything else (the catalog slow or down,
        // a lost worker) gets the regular activity's retries.
        if (isCancellation(error) || isNonRetryable(error)) throw error;
        return await regular.executeWithOptions(options, args);
      }
    },
  } as ShortStep<Step>;
}

function isNonRetryable(error: unknown): boolean {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return cause instanceof ApplicationFailure && cause.nonRetryable === true;
}

/**
 * Runs from this change on transcode in chunks, each chunk an activity any media worker may take, with the audio
 * encoded once as a rendition of its own, and the ladder put together by a media-queue activity. Histories recorded
 * before replay with the one-activity transcode. See docs/decisions.md, "Chunked transcode".
 */
export const CHUNKED_TRANSCODE_PATCH = 'chunked-transcode';

/**
 * The media steps, on their own task queue when the run names one (else on the run's own). Long steps heartbeat on
 * every ffmpeg progress block, so a dead worker is noticed within the heartbeat timeout.
 * WAIT_CANCELLATION_COMPLETED: a cancelled step returns only once its ffmpeg is dead, so cleanup never races it.
 */
export function mediaActivities(taskQueue: string | undefined) {
  return proxyActivities<Activities>({
    ...(taskQueue === undefined ? {} : { taskQueue }),
    startToCloseTimeout: '6 hours',
    heartbeatTimeout: '10 seconds',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry,
  });
}

// One attempt per activity: the delivery workflow is the retrier, on the Standard Webhooks schedule with durable
// timers between attempts. 30 s covers the 10-s HTTP timeout with room for DNS and a slow worker.
export const webhooks = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 1 },
});
