import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowExecutionStatusName,
} from '@temporalio/client';
import type { ReprocessBatch } from '../../workflows';
import {
  batchProgressQuery,
  batchWorkflowId,
  cancelBatchSignal,
  pauseBatchSignal,
  REPROCESS_BATCH_WORKFLOW_TYPE,
  resumeBatchSignal,
  type BatchView,
  type ReprocessBatchInput,
} from '../../workflows/definitions';
import { ApiError } from '../errors';
import { withinDeadline } from './deadline';
import { toApiError } from './errors';

export type BatchCommand = 'pause' | 'resume' | 'cancel';

export type BatchSighting =
  { kind: 'open'; view: BatchView } | { kind: 'closed'; how: WorkflowExecutionStatusName } | { kind: 'absent' };

/** The API's door to batch workflows: the same deadlines and error translation as the rest of the orchestrator. */
export class BatchDoor {
  constructor(
    private readonly client: Client,
    private readonly options: { taskQueue: string; queryTimeoutMs: number; commandTimeoutMs: number },
  ) {}

  /** Starts the batch's workflow; BATCH_ALREADY_EXISTS when its id was used. */
  async start(input: ReprocessBatchInput): Promise<{ workflowId: string; runId: string }> {
    const workflowId = batchWorkflowId(input.batchId);
    try {
      const handle = await withinDeadline(this.client, Date.now() + this.options.commandTimeoutMs, () =>
        this.client.workflow.start<typeof ReprocessBatch>(REPROCESS_BATCH_WORKFLOW_TYPE, {
          workflowId,
          taskQueue: this.options.taskQueue,
          args: [input],
          // A batch id names one batch for good: a finished batch's id is not taken again.
          workflowIdConflictPolicy: 'FAIL',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          staticSummary: `Reprocess batch ${input.batchId}`,
        }),
      );
      return { workflowId, runId: handle.firstExecutionRunId };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        throw new ApiError('BATCH_ALREADY_EXISTS', undefined, { batch_id: input.batchId }, { cause: error });
      }
      throw toApiError(error);
    }
  }

  /**
   * Where the batch's workflow stands: open (with its own view), closed (how: COMPLETED, FAILED, TERMINATED,
   * CANCELLED, TIMED_OUT), or absent (never started, or gone past retention).
   */
  async look(batchId: string): Promise<BatchSighting> {
    const deadline = Date.now() + this.options.queryTimeoutMs;
    try {
      const handle = this.client.workflow.getHandle(batchWorkflowId(batchId));
      const description = await withinDeadline(this.client, deadline, () => handle.describe());
      if (description.type !== REPROCESS_BATCH_WORKFLOW_TYPE) return { kind: 'absent' };
      if (!isOpenBatch(description)) return { kind: 'closed', how: description.status.name };
      return {
        kind: 'open',
        view: await withinDeadline(this.client, deadline, () => handle.query(batchProgressQuery)),
      };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return { kind: 'absent' };
      throw toApiError(error);
    }
  }

  /** Pauses, resumes or cancels an open batch; BATCH_NOT_RUNNING once it has ended. */
  async command(batchId: string, command: BatchCommand, cancelRuns = false): Promise<void> {
    const deadline = Date.now() + this.options.commandTimeoutMs;
    const handle = this.client.workflow.getHandle(batchWorkflowId(batchId));
    let described = false;
    try {
      const description = await withinDeadline(this.client, deadline, () => handle.describe());
      described = true;
      if (!isOpenBatch(description)) throw new ApiError('BATCH_NOT_RUNNING', undefined, { batch_id: batchId });
      await withinDeadline(this.client, deadline, () =>
        command === 'cancel'
          ? handle.signal(cancelBatchSignal, { cancelRuns })
          : handle.signal(command === 'pause' ? pauseBatchSignal : resumeBatchSignal),
      );
    } catch (error) {
      // Gone between the describe and the signal: it closed.
      if (error instanceof WorkflowNotFoundError) {
        throw new ApiError(described ? 'BATCH_NOT_RUNNING' : 'BATCH_NOT_FOUND', undefined, { batch_id: batchId });
      }
      throw toApiError(error);
    }
  }
}

function isOpenBatch(description: WorkflowExecutionDescription): boolean {
  return description.type === REPROCESS_BATCH_WORKFLOW_TYPE && description.status.name === 'RUNNING';
}
