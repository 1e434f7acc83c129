// The workflow's view of the activities: how each kind is proxied (timeouts, retries, cancellation).
import { ActivityCancellationType, proxyActivities, type RetryPolicy } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { NON_RETRYABLE_ERROR_TYPES } from './definitions';

const retry: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  maximumAttempts: 5,
  nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
};

// Short steps do not heartbeat, so a cancellation cannot reach them: WAIT_CANCELLATION_COMPLETED makes the workflow
// wait for them to finish rather than clean up under their feet (a probe writing info.json after the cleanup).
export const { probe, publish, discardStaging } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry,
});

// The catalog may be briefly unreachable (a database restart): its records retry for a while, and a record that
// still fails is logged, never allowed to fail the processing it describes.
export const records = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 8 },
});

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
