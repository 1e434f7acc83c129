import {
  isGrpcServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { ReprocessVideo } from '../workflows';
import { REPROCESS_STAGE, REPROCESS_WORKFLOW_TYPE, progressQuery, type ReprocessInput } from '../workflows/definitions';
import type { ProgressState } from '../progress';
import { ApiError } from './errors';
import type { ExecutionView } from './present';

export interface OrchestratorOptions {
  taskQueue: string;
  /** Deadline for a progress query; also bounds describe calls. */
  queryTimeoutMs: number;
  /** Deadline for starting and cancelling, which may wait on the server's persistence. */
  commandTimeoutMs?: number;
}

/**
 * The API's only door to Temporal. Every call carries a deadline, so no request waits on an unreachable server, and
 * every Temporal error comes out as an ApiError from the catalogue.
 */
export class Orchestrator {
  private readonly commandTimeoutMs: number;

  constructor(
    private readonly client: Client,
    private readonly options: OrchestratorOptions,
  ) {
    this.commandTimeoutMs = options.commandTimeoutMs ?? 5_000;
  }

  /** Starts a run; refuses with TASK_ALREADY_RUNNING (naming the open run) while one is open. */
  async start(input: ReprocessInput): Promise<{ runId: string }> {
    try {
      const handle = await this.client.withDeadline(Date.now() + this.commandTimeoutMs, () =>
        this.client.workflow.start<typeof ReprocessVideo>(REPROCESS_WORKFLOW_TYPE, {
          workflowId: input.videoId,
          taskQueue: this.options.taskQueue,
          args: [input],
          workflowIdConflictPolicy: 'FAIL',
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
          staticSummary: `Reprocess video ${input.videoId}`,
          typedSearchAttributes: [{ key: REPROCESS_STAGE, value: 'queued' }],
        }),
      );
      return { runId: handle.firstExecutionRunId };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        const open = await this.describe(input.videoId).catch(() => null);
        throw new ApiError(
          'TASK_ALREADY_RUNNING',
          open
            ? `Run ${open.runId} is already open for video ${input.videoId}; wait for it to finish or cancel it`
            : undefined,
          { video_id: input.videoId, run_id: open?.runId ?? null },
          { cause: error },
        );
      }
      throw toApiError(error);
    }
  }

  /** Temporal's view of the latest run; TASK_NOT_FOUND when the video was never processed (or is past retention). */
  async describe(videoId: string): Promise<ExecutionView> {
    try {
      const description = await this.client.withDeadline(Date.now() + this.options.queryTimeoutMs, () =>
        this.client.workflow.getHandle(videoId).describe(),
      );
      return {
        workflowId: description.workflowId,
        runId: description.runId,
        status: description.status.name,
        startTime: description.startTime,
        closeTime: description.closeTime,
      };
    } catch (error) {
      throw toApiError(error);
    }
  }

  /** The run's live progress state from its query handler; rejects when the workflow cannot answer in time. */
  async queryProgress(videoId: string, runId: string): Promise<ProgressState> {
    return this.client.withDeadline(Date.now() + this.options.queryTimeoutMs, () =>
      this.client.workflow.getHandle(videoId, runId).query(progressQuery),
    );
  }
}

/** Maps what the Temporal client throws to the catalogue; anything unknown becomes a plain 500. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof WorkflowNotFoundError)
    return new ApiError('TASK_NOT_FOUND', undefined, undefined, { cause: error });
  if (isUnavailable(error)) return new ApiError('ORCHESTRATOR_UNAVAILABLE', undefined, undefined, { cause: error });
  return new ApiError('INTERNAL_ERROR', undefined, undefined, { cause: error });
}

const UNAVAILABLE_CODES = new Set<number>([GrpcStatus.UNAVAILABLE, GrpcStatus.DEADLINE_EXCEEDED]);

/** Unreachable server, or no answer within our deadline: both mean "try again later", never "you did it wrong". */
export function isUnavailable(error: unknown): boolean {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    if (isGrpcServiceError(current) && UNAVAILABLE_CODES.has(current.code)) return true;
    if (current.name === 'ServiceError' && /UNAVAILABLE|DEADLINE_EXCEEDED|connect/i.test(current.message)) return true;
  }
  return false;
}
