import { ApplicationFailure } from '@temporalio/workflow';

/**
 * The message a client should read: the step's own ApplicationFailure (an ActivityFailure only says "Activity task
 * failed"; the causes below the step's failure are internals such as ffprobe's command line).
 */
export function describeFailure(error: unknown): string {
  let current: unknown = error;
  let innermost: unknown = error;
  while (current instanceof Error) {
    if (current instanceof ApplicationFailure) return current.message;
    innermost = current;
    current = current.cause;
  }
  return innermost instanceof Error ? innermost.message : String(error);
}

/** The type of the step's own failure (InvalidMedia, …), which the run's failure carries on. */
export function failureType(error: unknown): string {
  let current: unknown = error;
  while (current instanceof Error) {
    if (current instanceof ApplicationFailure && current.type) return current.type;
    current = current.cause;
  }
  return 'StepFailed';
}
