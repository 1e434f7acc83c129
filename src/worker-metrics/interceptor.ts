import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { WorkerMetrics } from './metrics';

/** The media seconds a step's input covers, when it says (a media step's `info`). */
function mediaSecondsOf(args: readonly unknown[]): number | null {
  const seconds = (args[0] as { info?: { durationSeconds?: unknown } } | undefined)?.info?.durationSeconds;
  return typeof seconds === 'number' && seconds > 0 ? seconds : null;
}

/** How an attempt ended, as the metrics name it. */
export function outcomeOf(
  error: unknown,
  cancelled: boolean,
): { outcome: 'failed' | 'cancelled'; failureType: string } {
  if (error instanceof CancelledFailure || cancelled) return { outcome: 'cancelled', failureType: '' };
  if (error instanceof ApplicationFailure && error.type) return { outcome: 'failed', failureType: error.type };
  return { outcome: 'failed', failureType: error instanceof Error ? error.name : 'Error' };
}

/** The bytes a publish says it published. */
function publishedBytes(result: unknown): number {
  const bytes = (result as { bytes?: unknown } | null)?.bytes;
  return typeof bytes === 'number' && bytes > 0 ? bytes : 0;
}

/**
 * Measures every activity attempt the worker runs: its duration and outcome, retries, the media slots in use (the
 * attempts on the media queue), for media steps the speed in × realtime, and the bytes published. An interceptor, so
 * no step has to remember to report.
 */
export function meteredActivities(metrics: WorkerMetrics, mediaTaskQueue: string): ActivityInterceptorsFactory {
  return (context) => ({
    inbound: {
      async execute(input, next) {
        const { activityType: step, attempt, taskQueue } = context.info;
        const isMedia = taskQueue === mediaTaskQueue;
        if (attempt > 1) metrics.retries.inc({ step });
        if (isMedia) metrics.mediaSlotsInUse.inc();
        const started = performance.now();
        const seconds = () => (performance.now() - started) / 1000;
        try {
          const result = await next(input);
          const elapsed = seconds();
          metrics.stepDuration.observe({ step, outcome: 'completed' }, elapsed);
          metrics.attempts.inc({ step, outcome: 'completed', failure_type: '' });
          const media = mediaSecondsOf(input.args);
          if (media !== null && elapsed > 0) metrics.encodeSpeed.observe({ step }, media / elapsed);
          if (step === 'publish') metrics.bytesWritten.inc(publishedBytes(result));
          return result;
        } catch (error) {
          const { outcome, failureType } = outcomeOf(error, context.cancellationSignal.aborted);
          metrics.stepDuration.observe({ step, outcome }, seconds());
          metrics.attempts.inc({ step, outcome, failure_type: failureType });
          throw error;
        } finally {
          if (isMedia) metrics.mediaSlotsInUse.dec();
        }
      },
    },
  });
}
