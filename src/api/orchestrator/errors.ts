import { isGrpcServiceError, WorkflowNotFoundError } from '@temporalio/client';
import * as grpc from '@grpc/grpc-js';
import { REPROCESS_WORKFLOW_TYPE } from '../../workflows/definitions';
import { ApiError } from '../errors';

/**
 * Thrown by `queryLatest` when the latest run closed other than cleanly (failed, cancelled, terminated, timed out):
 * Temporal refuses the clean query at once, and the caller asks with `describe` and `queryProgress` instead.
 */
export class RunClosedError extends Error {
  override readonly name = 'RunClosedError';
  constructor(
    readonly videoId: string,
    options?: { cause?: unknown },
  ) {
    super(`The latest run of video ${videoId} closed other than cleanly`, options);
  }
}

/** Thrown when the execution behind a video id belongs to another application; answered as TASK_NOT_FOUND. */
export class ForeignWorkflowError extends Error {
  override readonly name = 'ForeignWorkflowError';
  constructor(
    readonly workflowId: string,
    readonly workflowType: string,
  ) {
    super(`Execution ${workflowId} is a ${workflowType}, not a ${REPROCESS_WORKFLOW_TYPE}`);
  }
}

/** Thrown when a Temporal call has not answered by its deadline. */
export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';
  constructor() {
    super('The workflow service did not answer in time');
  }
}

/**
 * Maps what the Temporal client throws to the catalogue; anything unknown becomes a plain 500. Exported for the
 * orchestrator's tests; the rest of the API receives ApiErrors only.
 */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof WorkflowNotFoundError)
    return new ApiError('TASK_NOT_FOUND', undefined, undefined, { cause: error });
  if (isUnavailable(error)) return new ApiError('ORCHESTRATOR_UNAVAILABLE', undefined, undefined, { cause: error });
  return new ApiError('INTERNAL_ERROR', undefined, undefined, { cause: error });
}

const UNAVAILABLE_CODES = new Set<number>([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED]);

/** Unreachable server, or no answer within our deadline: both mean "try again later", never "you did it wrong". */
export function isUnavailable(error: unknown): boolean {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    if (current instanceof DeadlineExceededError) return true;
    if (isGrpcServiceError(current) && UNAVAILABLE_CODES.has(current.code)) return true;
    if (current.name === 'ServiceError' && /UNAVAILABLE|DEADLINE_EXCEEDED|connect/i.test(current.message)) return true;
  }
  return false;
}

export function alreadyRunning(videoId: string, runId: string | null, cause?: unknown): ApiError {
  return new ApiError(
    'TASK_ALREADY_RUNNING',
    runId === null
      ? undefined
      : `Run ${runId} is already open for video ${videoId}; wait for it to finish or cancel it`,
    { video_id: videoId, run_id: runId },
    cause === undefined ? undefined : { cause },
  );
}
