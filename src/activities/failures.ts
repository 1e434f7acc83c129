import { ApplicationFailure } from '@temporalio/activity';
import { MediaError } from '../media/errors';
import { ffmpegFailureToMediaError } from '../media/input-faults';

/**
 * Turns what a step threw into what Temporal should do with it: bad input fails at once (non-retryable, typed so
 * the workflow and the API can tell why), and so does an ffmpeg that the file's own bytes made fail; anything else
 * is rethrown and retried with backoff.
 */
export function toActivityFailure(error: unknown): unknown {
  const classified = ffmpegFailureToMediaError(error);
  if (classified instanceof MediaError) {
    return ApplicationFailure.create({
      message: classified.message,
      type: classified.kind,
      nonRetryable: true,
      cause: classified,
    });
  }
  return error;
}
