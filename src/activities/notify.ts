import { presentProgress } from '../api/present';
import type { DeliverWebhookInput, DeliveryState } from '../workflows/definitions';
import { deliverOnce, type AttemptOutcome } from '../webhooks/http-delivery';
import { webhookHeaders } from '../webhooks/signing';
import type { ActivityDeps } from './deps';

/** The Standard Webhooks timeout for one attempt, connection to last byte. */
export const WEBHOOK_TIMEOUT_MS = 10_000;
/** What is read of a receiver's answer: enough to free the connection, never used. */
export const WEBHOOK_RESPONSE_LIMIT = 64 * 1024;

/** The body of a run's event: the same bytes on every attempt, the final progress as the GET answers it. */
export function webhookBody(input: DeliverWebhookInput): string {
  const execution = {
    workflowId: input.videoId,
    runId: input.runId,
    status: input.execution.status,
    startTime: new Date(input.execution.startTime),
    closeTime: new Date(input.execution.closeTime),
  };
  const data = presentProgress(input.state, execution, Date.parse(input.execution.closeTime));
  return JSON.stringify({ type: input.type, timestamp: input.timestamp, data });
}

/**
 * The delivery's activities: one signed attempt (the workflow retries), and its outcome on the run's catalog row.
 * The secrets live in the worker's config, never in a workflow's history.
 */
export function createNotify(deps: Pick<ActivityDeps, 'catalog' | 'webhooks'>) {
  return {
    async deliverWebhook(input: DeliverWebhookInput): Promise<AttemptOutcome> {
      const secrets = deps.webhooks?.secrets ?? [];
      if (secrets.length === 0) return { kind: 'refused', error: 'this worker has no WEBHOOK_SECRETS to sign with' };
      const body = webhookBody(input);
      const headers = webhookHeaders(secrets, `msg_${input.runId}`, new Date(), body);
      return deliverOnce(
        { url: input.url, headers: { ...headers, 'user-agent': 'reprocess-webhooks' }, body },
        {
          allowPrivate: deps.webhooks?.allowPrivate ?? false,
          timeoutMs: WEBHOOK_TIMEOUT_MS,
          maxResponseBytes: WEBHOOK_RESPONSE_LIMIT,
        },
      );
    },

    async recordDelivery(input: {
      videoId: string;
      runId: string;
      urlHost: string;
      delivery: DeliveryState;
    }): Promise<void> {
      await deps.catalog.recordDelivery(input.runId, { urlHost: input.urlHost, ...input.delivery });
    },
  };
}
