import { CancellationScope, log, ParentClosePolicy, startChild, workflowInfo } from '@temporalio/workflow';
import type { RunProgress } from '../progress';
import { hostOf } from './callback-host';
import { DeliverWebhook } from './deliver-webhook';
import { deliveryWorkflowId, type ReprocessInput, type WebhookEventType } from './definitions';
import { describeFailure } from './failures';
import { now } from './steps';

const EVENT_OF = {
  completed: { type: 'reprocess.completed', status: 'COMPLETED' },
  failed: { type: 'reprocess.failed', status: 'FAILED' },
  cancelled: { type: 'reprocess.cancelled', status: 'CANCELLED' },
} as const satisfies Record<string, { type: WebhookEventType; status: string }>;

/**
 * Announces the run's end to its callback_url, when it has one: starts the delivery as a workflow of its own, which
 * outlives the run (ABANDON), so the run closes at once and the video can be reprocessed while deliveries are still
 * being retried. Runs even while the run is being cancelled; a delivery that cannot be started is logged, never
 * allowed to change how the run ends.
 */
export async function announceEnd(
  input: ReprocessInput,
  progress: RunProgress,
  phase: keyof typeof EVENT_OF,
  startedAt: string,
): Promise<void> {
  const notify = input.notify;
  if (!notify) return;
  const { runId } = workflowInfo();
  const event = EVENT_OF[phase];
  const closedAt = now();
  try {
    await CancellationScope.nonCancellable(() =>
      startChild(DeliverWebhook, {
        workflowId: deliveryWorkflowId(input.videoId, runId),
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `webhook: ${event.type} of ${input.videoId} to ${hostOf(notify.url)}`,
        args: [
          {
            videoId: input.videoId,
            runId,
            url: notify.url,
            retryScheduleMs: notify.retryScheduleMs,
            type: event.type,
            timestamp: closedAt,
            state: progress.snapshot(),
            execution: { status: event.status, startTime: startedAt, closeTime: closedAt },
          },
        ],
      }),
    );
  } catch (error) {
    log.warn('the webhook delivery could not be started', { error: describeFailure(error) });
  }
}
