import { callbackUrlProblem } from '../webhooks/callback-url';
import { ApiError } from './errors';

/** What the API needs to know of webhooks: whether it can sign them, where they may go, how they are retried. */
export interface CallbackSettings {
  /** Whether WEBHOOK_SECRETS is set: without a secret nothing can be signed, so callbacks are refused. */
  enabled: boolean;
  allowPrivate: boolean;
  retryScheduleMs: readonly number[];
}

/** A run's callback as its input carries it to the delivery workflow. */
export interface NotifyInput {
  url: string;
  retryScheduleMs: number[];
}

export const NO_CALLBACKS: CallbackSettings = { enabled: false, allowPrivate: false, retryScheduleMs: [0] };

/**
 * Checks a start's `callback_url` before anything is started or stored: refused with INVALID_CALLBACK_URL when its
 * form is wrong, CALLBACKS_DISABLED when this server has no secret to sign with. Absent: no callback.
 */
export function callbackFor(settings: CallbackSettings, url: string | undefined): NotifyInput | undefined {
  if (url === undefined) return undefined;
  const problem = callbackUrlProblem(url, { allowPrivate: settings.allowPrivate });
  if (problem !== null)
    throw new ApiError('INVALID_CALLBACK_URL', `callback_url refused: ${problem}`, { callback_url: url });
  if (!settings.enabled) throw new ApiError('CALLBACKS_DISABLED');
  return { url, retryScheduleMs: [...settings.retryScheduleMs] };
}
