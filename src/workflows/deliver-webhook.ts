import { log, setHandler, sleep } from '@temporalio/workflow';
import type { AttemptOutcome } from '../webhooks/http-delivery';
import { records, webhooks } from './activities';
import { hostOf } from './callback-host';
import { deliveryQuery, type DeliverWebhookInput, type DeliveryState } from './definitions';
import { describeFailure } from './failures';
import { now } from './steps';

/**
 * Delivers one run's webhook: an attempt, then the schedule's next delay (or the receiver's Retry-After) on a
 * durable timer, until the receiver takes it (2xx), asks for no more (410), the address is refused, or the attempts
 * run out. A worker or server restart resumes where it was; the `delivery` query tells where that is.
 */
export async function DeliverWebhook(input: DeliverWebhookInput): Promise<DeliveryState> {
  const state: DeliveryState = {
    status: 'pending',
    attempt: 0,
    lastStatus: null,
    lastError: null,
    nextAttemptAt: null,
    deliveredAt: null,
    finishedAt: null,
  };
  setHandler(deliveryQuery, () => state);
  let waitMs = input.retryScheduleMs[0] ?? 0;
  for (let attempt = 1; attempt <= input.retryScheduleMs.length; attempt += 1) {
    if (waitMs > 0) {
      state.status = 'waiting';
      state.nextAttemptAt = new Date(Date.now() + waitMs).toISOString();
      await sleep(waitMs);
    }
    state.status = 'delivering';
    state.attempt = attempt;
    state.nextAttemptAt = null;
    const outcome = await attemptOnce(input, attempt);
    state.lastStatus = outcome.kind === 'refused' ? null : outcome.status;
    state.lastError = outcome.kind === 'delivered' ? null : outcome.error;
    if (outcome.kind === 'delivered') {
      state.status = 'delivered';
      state.deliveredAt = now();
      break;
    }
    if (outcome.kind !== 'failed' || attempt === input.retryScheduleMs.length) {
      state.status = 'failed';
      if (outcome.kind === 'failed') state.lastError = `${outcome.error}; gave up after ${attempt} attempts`;
      break;
    }
    waitMs = outcome.retryAfterMs ?? input.retryScheduleMs[attempt] ?? 0;
  }
  state.finishedAt = now();
  try {
    await records.recordDelivery({
      videoId: input.videoId,
      runId: input.runId,
      urlHost: hostOf(input.url),
      delivery: state,
    });
  } catch (error) {
    log.warn('the delivery could not be recorded in the catalog', { error: describeFailure(error) });
  }
  return state;
}

/** One attempt; an activity that itself failed (a lost worker, a timeout) is a failed attempt like any other. */
async function attemptOnce(input: DeliverWebhookInput, attempt: number): Promise<AttemptOutcome> {
  try {
    return await webhooks.deliverWebhook.executeWithOptions({ summary: `attempt ${attempt}` }, [input]);
  } catch (error) {
    return { kind: 'failed', status: null, error: describeFailure(error), retryAfterMs: null };
  }
}
