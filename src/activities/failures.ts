import { ApplicationFailure } from '@temporalio/activity';
import { MediaError, ToolFailedError } from '../media/errors';

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

/** ffprobe refusing a file is a property of the file, not of the moment: retrying cannot help. */
export function probeFailureToMediaError(error: unknown): unknown {
  if (error instanceof ToolFailedError && error.exitCode !== null) {
    const reason =
      error.stderrTail
        .trim()
        .split('\n')
        .at(-1)
        ?.replace(/^file:\S*:\s*/, '') ?? '';
    return new MediaError('InvalidMedia', `the file could not be read as a video${reason ? `: ${reason}` : ''}`, {
      cause: error,
    });
  }
  return error;
}
