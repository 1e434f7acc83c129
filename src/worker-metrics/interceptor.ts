import type { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { MEDIA_STEPS } from '../progress';
import { NON_RETRYABLE_ERROR_TYPES } from '../workflows/definitions';
import type { WorkerMetrics } from './metrics';

/**
 * The activities that hold a media slot, by activity, not queue, so runs from before the split are counted too: the
 * media steps, the transcode's chunks and audio rendition, and the ladder's assembly.
 */
const MEDIA = new Set<string>([...MEDIA_STEPS, 'transcodeChunk', 'transcodeAudio', 'assembleLadder']);

/** The activities that encode media: their speed in × realtime says how the machines keep up. */
const ENCODES = new Set(['transcode', 'transcodeChunk', 'transcodeAudio', 'audio']);

/**
 * The media seconds an encode attempt did: the video's (a chunk's: its own), less what this attempt found already
 * encoded where it resumed; null when it did none.
 */
export function encodedSeconds(
  step: string,
  args: readonly unknown[],
  result: unknown,
  attempt: number,
): number | null {
  if (!ENCODES.has(step)) return null;
  const input = args[0] as
    { info?: { durationSeconds?: unknown }; chunk?: { seconds?: unknown; startSeconds?: unknown } } | undefined;
  const seconds = input?.chunk === undefined ? input?.info?.durationSeconds : input.chunk.seconds;
  const startsAt = typeof input?.chunk?.startSeconds === 'number' ? input.chunk.startSeconds : 0;
  const outcome = result as { skipped?: boolean; resumes?: { attempt: number; seconds: number }[] } | null;
  if (typeof seconds !== 'number' || seconds <= 0 || outcome?.skipped === true) return null;
  const resumedAt = outcome?.resumes?.find((resume) => resume.attempt === attempt)?.seconds;
  return Math.max(0, seconds - (resumedAt === undefined ? 0 : Math.max(0, resumedAt - startsAt)));
}

/**
 * How an attempt ended, as the metrics name it: `cancelled` only when the run asked for it; a heartbeat timeout or
 * a worker shutting down is a failure of its own type, and so is an ApplicationFailure of its type.
 */
export function outcomeOf(
  error: unknown,
  details: Context['cancellationDetails'],
): { outcome: 'failed' | 'cancelled'; failureType: string; retryable: boolean } {
  if (details?.cancelRequested) return { outcome: 'cancelled', failureType: '', retryable: false };
  if (details?.timedOut) return { outcome: 'failed', failureType: 'TimedOut', retryable: true };
  if (details?.workerShutdown) return { outcome: 'failed', failureType: 'WorkerShutdown', retryable: true };
  if (error instanceof CancelledFailure) return { outcome: 'cancelled', failureType: '', retryable: false };
  if (error instanceof ApplicationFailure && error.type) {
    const retryable = !error.nonRetryable && !NON_RETRYABLE_ERROR_TYPES.includes(error.type);
    return { outcome: 'failed', failureType: error.type, retryable };
  }
  return { outcome: 'failed', failureType: error instanceof Error ? error.name : 'Error', retryable: true };
}

/** How a webhook attempt ended, as the delivery activity answers it. */
function attemptKind(result: unknown): string {
  const kind = (result as { kind?: unknown } | null)?.kind;
  return typeof kind === 'string' ? kind : 'unknown';
}

/** The bytes a publish says it published. */
function publishedBytes(result: unknown): number {
  const bytes = (result as { bytes?: unknown } | null)?.bytes;
  return typeof bytes === 'number' && bytes > 0 ? bytes : 0;
}

/**
 * Measures every activity attempt the worker runs: its duration and outcome, the failures Temporal will retry, the
 * media slots in use, the encodes' speed in × realtime, and the bytes published. An interceptor, so no step has to
 * remember to report.
 */
export function meteredActivities(metrics: WorkerMetrics): ActivityInterceptorsFactory {
  return (context) => ({
    inbound: {
      async execute(input, next) {
        const { activityType: step, attempt } = context.info;
        const isMedia = MEDIA.has(step);
        if (isMedia) metrics.mediaSlotsInUse.inc();
        const started = performance.now();
        const seconds = () => (performance.now() - started) / 1000;
        try {
          const result = await next(input);
          const elapsed = seconds();
          metrics.stepDuration.observe({ step, outcome: 'completed' }, elapsed);
          metrics.attempts.inc({ step, outcome: 'completed', failure_type: '' });
          const encoded = encodedSeconds(step, input.args, result, attempt);
          if (encoded !== null && elapsed > 0) metrics.encodeSpeed.observe({ step }, encoded / elapsed);
          if (step === 'publish') metrics.bytesWritten.inc(publishedBytes(result));
          if (step === 'deliverWebhook') metrics.webhookAttempts.inc({ outcome: attemptKind(result) });
          return result;
        } catch (error) {
          const { outcome, failureType, retryable } = outcomeOf(error, context.cancellationDetails);
          metrics.stepDuration.observe({ step, outcome }, seconds());
          metrics.attempts.inc({ step, outcome, failure_type: failureType });
          if (retryable) metrics.retries.inc({ step, failure_type: failureType });
          throw error;
        } finally {
          if (isMedia) metrics.mediaSlotsInUse.dec();
        }
      },
    },
  });
}
