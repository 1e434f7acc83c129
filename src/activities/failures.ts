import { ApplicationFailure } from '@temporalio/activity';
import { MediaError } from '../media/errors';

/**
 * Turns what a step threw into what Temporal should do with it: bad input fails at once (non-retryable, typed so
 * the workflow and the API can tell why); anything else is rethrown and retried with backoff.
 */
export function toActivityFailure(error: unknown): unknown {
  if (error instanceof MediaError) {
    return ApplicationFailure.create({ message: error.message, type: error.kind, nonRetryable: true, cause: error });
  }
  return error;
}
