import {
  ApplicationFailure,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { RunProgress, selectSteps, type StepName } from '../progress';
import {
  NON_RETRYABLE_ERROR_TYPES,
  REPROCESS_STAGE,
  progressQuery,
  subtaskProgressSignal,
  type ReprocessInput,
  type ReprocessResult,
} from './definitions';

const { probe } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 5,
    nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
  },
});

/** Reprocesses one video: probe it, then (as the pipeline grows) derive its outputs, reporting progress throughout. */
export async function ReprocessVideo(input: ReprocessInput): Promise<ReprocessResult> {
  const now = () => new Date().toISOString();
  const progress = new RunProgress(input.videoId, selectSteps(input.steps), now());
  setHandler(progressQuery, () => progress.snapshot());
  setHandler(subtaskProgressSignal, (report) => void progress.report(report));

  async function step<T>(name: StepName, run: () => Promise<T>): Promise<T> {
    progress.start(name, now());
    upsertSearchAttributes([{ key: REPROCESS_STAGE, value: name }]);
    setCurrentDetails(`**${name}** running`);
    try {
      const value = await run();
      progress.complete(name, now());
      return value;
    } catch (error) {
      if (!isCancellation(error)) progress.fail(name, now(), describeFailure(error));
      throw error;
    }
  }

  try {
    const info = await step('probe', () =>
      probe.executeWithOptions({ summary: `ffprobe ${input.videoId}` }, [{ videoId: input.videoId }]),
    );
    const result: ReprocessResult = { videoId: input.videoId, info };
    progress.finish('completed', now(), { result });
    upsertSearchAttributes([{ key: REPROCESS_STAGE, value: 'completed' }]);
    setCurrentDetails('**completed**');
    return result;
  } catch (error) {
    const phase = isCancellation(error) ? 'cancelled' : 'failed';
    progress.cancelUnfinished(now());
    progress.finish(phase, now(), phase === 'failed' ? { error: describeFailure(error) } : {});
    upsertSearchAttributes([{ key: REPROCESS_STAGE, value: phase }]);
    setCurrentDetails(`**${phase}**`);
    if (phase === 'cancelled') throw error;
    throw ApplicationFailure.create({
      message: describeFailure(error),
      type: failureType(error),
      nonRetryable: true,
      cause: error instanceof Error ? error : undefined,
    });
  }
}

/** The innermost message: an ActivityFailure's own message is only "Activity task failed". */
function describeFailure(error: unknown): string {
  let current: unknown = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(error);
}

function failureType(error: unknown): string {
  let current: unknown = error;
  while (current instanceof Error) {
    if (current instanceof ApplicationFailure && current.type) return current.type;
    current = current.cause;
  }
  return 'StepFailed';
}
