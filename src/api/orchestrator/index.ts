// The API's one door to Temporal, a class of some length: its calls share one deadline rule, one memory of which
// runs are reprocess's, and one translation of Temporal's errors (./errors), which splitting it would scatter.
import {
  Client,
  QueryRejectedError,
  WorkflowClient,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import * as grpc from '@grpc/grpc-js';
import type { TemporalConnectionOptions } from '../../temporal-connection';
import type { ReprocessVideo } from '../../workflows';
import {
  REPROCESS_STAGE,
  REPROCESS_WORKFLOW_TYPE,
  deliveryQuery,
  deliveryWorkflowId,
  progressQuery,
  type DeliveryState,
  type ReprocessInput,
} from '../../workflows/definitions';
import {
  stepsPickedUp,
  taskStatus,
  type ExecutionStatusName,
  type PendingActivityFact,
  type ProgressState,
} from '../../progress';
import { mediaQueueOf } from '../../config';
import { ApiError } from '../errors';
import { BatchDoor } from './batches';
import { lazyConnection } from './connection';
import { withinDeadline } from './deadline';
import { alreadyRunning, ForeignWorkflowError, RunClosedError, toApiError } from './errors';

export { lazyConnection } from './connection';
export { DeadlineExceededError, ForeignWorkflowError, isUnavailable, RunClosedError, toApiError } from './errors';

export interface OrchestratorOptions {
  namespace?: string;
  taskQueue: string;
  /** The media steps' queue, named in every run started; default mediaQueueOf(taskQueue). */
  mediaTaskQueue?: string;
  /** Deadline for a progress read (describe and query together). */
  queryTimeoutMs: number;
  /** Deadline for starting and cancelling, which may wait on the server's persistence. */
  commandTimeoutMs?: number;
  /**
   * Ask the server to hand a run's first workflow task straight back to a worker of this process (eager workflow
   * start). Only for a client built on the NativeConnection of a worker running beside it; the SDK refuses it on any
   * other connection, and a server that does not start eagerly just starts the run the ordinary way.
   */
  eagerStart?: boolean;
}

/** Temporal's record of one run, as the API needs it: the orchestrator's own type, whatever presents it. */
export interface ExecutionView {
  workflowId: string;
  runId: string;
  status: ExecutionStatusName;
  startTime: Date;
  closeTime?: Date | undefined;
  /** Whether any step was picked up; only needed (and only known) when the answer comes from describe. */
  stepsStarted?: boolean;
}

/** A worker whose last poll is older than this has most likely gone (a long poll lasts at most about a minute). */
const POLLER_FRESH_MS = 90_000;

/**
 * The API's only door to Temporal. Every call carries a deadline, so no request waits on an unreachable server, and
 * every Temporal error comes out as an ApiError from the catalogue.
 */
export class Orchestrator {
  readonly queryTimeoutMs: number;
  readonly taskQueue: string;
  readonly mediaTaskQueue: string;
  private readonly commandTimeoutMs: number;
  private readonly eagerStart: boolean;
  /** Starts in flight, by video id: the single-flight of `start`. */
  private readonly starting = new Map<string, Promise<{ runId: string }>>();
  private readonly namespace: string;
  /** Queries through this client are refused by runs that closed other than cleanly; see queryLatest. */
  private readonly cleanQueries: WorkflowClient;
  /**
   * The latest run of each video known to be a ReprocessVideo, by video id (most recently used last). A namespace may
   * hold other applications' workflows, and one whose id equals a video id must never be read nor cancelled: a
   * run is checked by describe before it is first queried, and an answer from any other run is not used.
   */
  private readonly ours = new Map<string, string>();
  /** Batch reprocessing: starting, reading and steering ReprocessBatch workflows. */
  readonly batches: BatchDoor;

  constructor(
    private readonly client: Client,
    options: OrchestratorOptions,
  ) {
    this.queryTimeoutMs = options.queryTimeoutMs;
    this.taskQueue = options.taskQueue;
    this.mediaTaskQueue = options.mediaTaskQueue ?? mediaQueueOf(options.taskQueue);
    this.commandTimeoutMs = options.commandTimeoutMs ?? 5_000;
    this.eagerStart = options.eagerStart ?? false;
    this.namespace = options.namespace ?? client.options.namespace;
    this.batches = new BatchDoor(client, {
      taskQueue: this.taskQueue,
      queryTimeoutMs: this.queryTimeoutMs,
      commandTimeoutMs: this.commandTimeoutMs,
    });
    this.cleanQueries = new WorkflowClient({
      connection: client.connection,
      namespace: this.namespace,
      queryRejectCondition: 'NOT_COMPLETED_CLEANLY',
    });
  }

  /**
   * Starts a run; refuses with TASK_ALREADY_RUNNING (naming the open run) while one is open. Concurrent starts for one
   * video through this API are single-flight: the first asks Temporal, the others wait for its answer and are
   * refused with its run id — a burst of retries costs Temporal one start, not one start and one describe each, and
   * under load none of them runs into the deadline. Across API instances, Temporal's id conflict still decides.
   */
  async start(input: ReprocessInput): Promise<{ runId: string }> {
    for (;;) {
      const leader = this.starting.get(input.videoId);
      if (leader === undefined) break;
      const started = await leader.then(
        (outcome) => outcome,
        () => null,
      );
      // The leader failed (Temporal unreachable, say): the next in line asks for itself.
      if (started !== null) throw alreadyRunning(input.videoId, started.runId);
    }
    const attempt = this.startRun(input);
    this.starting.set(input.videoId, attempt);
    try {
      return await attempt;
    } finally {
      if (this.starting.get(input.videoId) === attempt) this.starting.delete(input.videoId);
    }
  }

  private async startRun(input: ReprocessInput): Promise<{ runId: string }> {
    try {
      const handle = await this.bounded(this.commandDeadline(), () =>
        this.client.workflow.start<typeof ReprocessVideo>(REPROCESS_WORKFLOW_TYPE, {
          workflowId: input.videoId,
          taskQueue: this.taskQueue,
          args: [{ ...input, mediaTaskQueue: this.mediaTaskQueue }],
          workflowIdConflictPolicy: 'FAIL',
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
          staticSummary: `Reprocess video ${input.videoId}`,
          typedSearchAttributes: [{ key: REPROCESS_STAGE, value: 'queued' }],
          ...(this.eagerStart ? { requestEagerStart: true } : {}),
        }),
      );
      this.remember(input.videoId, handle.firstExecutionRunId);
      return { runId: handle.firstExecutionRunId };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        const open = await this.describe(input.videoId).then(
          (execution) => ({ execution, failure: null }),
          (failure: unknown) => ({ execution: null, failure }),
        );
        if (open.failure instanceof ApiError && open.failure.cause instanceof ForeignWorkflowError) {
          throw new ApiError(
            'TASK_ALREADY_RUNNING',
            `The workflow id ${input.videoId} is held by a workflow that is not reprocess's ` +
              `(${open.failure.cause.workflowType}) in namespace ${this.namespace}; give reprocess a namespace of its own`,
            { video_id: input.videoId, run_id: null },
            { cause: error },
          );
        }
        throw alreadyRunning(input.videoId, open.execution?.runId ?? null, error);
      }
      throw toApiError(error);
    }
  }

  /**
   * Requests cancellation of the open run; the workflow then cancels its activities and cleans up. TASK_NOT_RUNNING
   * when the latest run is already closed.
   */
  async cancel(videoId: string): Promise<ExecutionView> {
    const execution = await this.describe(videoId);
    const notRunning = (status: string) =>
      new ApiError('TASK_NOT_RUNNING', `Run ${execution.runId} of video ${videoId} has already ended (${status})`, {
        video_id: videoId,
        run_id: execution.runId,
        status,
      });
    if (execution.status !== 'RUNNING') throw notRunning(taskStatus(null, execution.status));
    // A run whose work is over stays open a moment to record its outcome: it has ended for the client all the same.
    const state = await this.queryLatest(videoId, Date.now() + this.queryTimeoutMs).catch(() => null);
    if (state && state.runId === execution.runId && state.phase !== 'running') throw notRunning(state.phase);
    try {
      // The run id pins the cancel to the run described: a newer run is never cancelled by mistake.
      await this.bounded(this.commandDeadline(), () =>
        this.client.workflow.getHandle(videoId, execution.runId).cancel(),
      );
      return execution;
    } catch (error) {
      // Closed between describe and cancel.
      if (error instanceof WorkflowNotFoundError) throw notRunning('closed');
      throw toApiError(error);
    }
  }

  /**
   * Temporal's view of the latest run; TASK_NOT_FOUND when the video was never processed (or is past retention), and
   * when the execution behind the id is not a ReprocessVideo.
   */
  async describe(videoId: string, deadline = Date.now() + this.queryTimeoutMs): Promise<ExecutionView> {
    try {
      const description = await this.bounded(deadline, () => this.client.workflow.getHandle(videoId).describe());
      if (description.type !== REPROCESS_WORKFLOW_TYPE) {
        this.ours.delete(videoId);
        throw new ApiError('TASK_NOT_FOUND', undefined, undefined, {
          cause: new ForeignWorkflowError(videoId, description.type),
        });
      }
      this.remember(videoId, description.runId);
      return {
        workflowId: description.workflowId,
        runId: description.runId,
        status: description.status.name,
        startTime: description.startTime,
        closeTime: description.closeTime,
        stepsStarted: stepsPickedUp(
          (description.raw.pendingActivities ?? []).map(pendingActivityFact),
          description.typedSearchAttributes.get(REPROCESS_STAGE),
        ),
      };
    } catch (error) {
      throw toApiError(error);
    }
  }

  /**
   * The latest run's progress state in one round trip, when that run is open or completed: then the state alone
   * says all the API needs (its phase is the execution's status). A run closed any other way (failed, cancelled,
   * terminated, timed out) is refused with RunClosedError, and the caller asks again with
   * describe. Rejects too when the workflow cannot answer by the deadline (no worker polling, or all busy).
   */
  async queryLatest(videoId: string, deadline: number): Promise<ProgressState> {
    try {
      return await this.queryOurs(this.cleanQueries, videoId, deadline);
    } catch (error) {
      if (error instanceof QueryRejectedError) throw new RunClosedError(videoId, { cause: error });
      throw toApiError(error);
    }
  }

  /** The latest run's progress state, whatever way it closed; rejects as queryLatest does. */
  async queryProgress(videoId: string, deadline = Date.now() + this.queryTimeoutMs): Promise<ProgressState> {
    try {
      return await this.queryOurs(this.client.workflow, videoId, deadline);
    } catch (error) {
      throw toApiError(error);
    }
  }

  /**
   * The webhook delivery of a run, from its own workflow's `delivery` query; null when there is none (not started
   * yet, or past retention). A delivery is ours by its id, which no other application's run of a video can hold.
   */
  async queryDelivery(videoId: string, runId: string, deadline: number): Promise<DeliveryState | null> {
    try {
      return await this.bounded(deadline, () =>
        this.client.workflow.getHandle(deliveryWorkflowId(videoId, runId)).query(deliveryQuery),
      );
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return null;
      throw toApiError(error);
    }
  }

  /**
   * Queries the video's latest run, only ever a run checked to be a ReprocessVideo: the query is pinned to the run
   * last described. While that run is open, that is the latest run, and the common case costs one round trip. Once
   * it has ended, a newer run may have been started (through another API instance): the latest is described, which
   * checks it, and asked by its run id.
   */
  private async queryOurs(workflows: WorkflowClient, videoId: string, deadline: number): Promise<ProgressState> {
    const known = this.ours.get(videoId) ?? (await this.describe(videoId, deadline)).runId;
    this.remember(videoId, known);
    const state = await this.bounded(deadline, () => workflows.getHandle(videoId, known).query(progressQuery));
    if (state.phase === 'running') return state;
    const { runId } = await this.describe(videoId, deadline);
    if (runId === known) return state;
    return this.bounded(deadline, () => workflows.getHandle(videoId, runId).query(progressQuery));
  }

  /** Marks a video's latest run as ours, keeping the memory bounded. */
  private remember(videoId: string, runId: string): void {
    this.ours.delete(videoId);
    this.ours.set(videoId, runId);
    if (this.ours.size > KNOWN_RUNS) this.ours.delete(this.ours.keys().next().value!);
  }

  /**
   * Whether any worker polled the task queue recently; null when that cannot be told in time. Used to say why a
   * query went unanswered.
   */
  async hasRecentWorkers(deadline: number): Promise<boolean | null> {
    try {
      const response = await this.bounded(deadline, () =>
        this.client.workflowService.describeTaskQueue({
          namespace: this.namespace,
          taskQueue: { name: this.taskQueue },
          taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        }),
      );
      const now = Date.now();
      return (response.pollers ?? []).some((poller) => {
        const seconds = Number(poller.lastAccessTime?.seconds ?? 0);
        return now - seconds * 1000 < POLLER_FRESH_MS;
      });
    } catch {
      return null;
    }
  }

  /**
   * A start's or a cancel's deadline. They may wait on the server's persistence, so a slow-but-alive server gets the
   * full command deadline; a server known to be down (the channel is failing to connect) gets the read deadline, so
   * a POST is refused as fast as a GET is.
   */
  private commandDeadline(): number {
    return (
      Date.now() + (this.connecting() ? Math.min(this.queryTimeoutMs, this.commandTimeoutMs) : this.commandTimeoutMs)
    );
  }

  /**
   * Whether the client's channel is trying to reach a server it cannot reach now: gRPC's TRANSIENT_FAILURE (backing
   * off after a failed attempt) or CONNECTING. A live server's channel is READY, or IDLE before its first call.
   */
  private connecting(): boolean {
    try {
      const channel = (this.client.connection as unknown as { client?: grpc.Client }).client?.getChannel();
      const state = channel?.getConnectivityState(false);
      return state === grpc.connectivityState.TRANSIENT_FAILURE || state === grpc.connectivityState.CONNECTING;
    } catch {
      // A connection of another kind: nothing known, so the full deadline.
      return false;
    }
  }

  private bounded<T>(deadline: number, call: () => Promise<T>): Promise<T> {
    return withinDeadline(this.client, deadline, call);
  }

  /** Rejects unless Temporal answers for our namespace within the query deadline. */
  async checkReachable(): Promise<void> {
    try {
      await this.bounded(Date.now() + this.queryTimeoutMs, () =>
        this.client.workflowService.describeNamespace({ namespace: this.namespace }),
      );
    } catch (error) {
      throw toApiError(error);
    }
  }
}

/** A pending activity of describe's answer as the facts `stepsPickedUp` reads. */
function pendingActivityFact(activity: temporal.api.workflow.v1.IPendingActivityInfo): PendingActivityFact {
  return {
    activityType: activity.activityType?.name ?? '',
    started: activity.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
    attempt: activity.attempt ?? 1,
  };
}

/** Videos whose latest run is remembered as checked; past it the least recently read is checked again. */
const KNOWN_RUNS = 10_000;

/**
 * The orchestrator for a Temporal the API has not reached yet: its connection is made on first use, so the API
 * starts (and answers 503) while Temporal is down. `close` ends that connection.
 */
export function connectOrchestrator(
  connection: TemporalConnectionOptions,
  options: OrchestratorOptions & { namespace: string },
): { orchestrator: Orchestrator; close: () => Promise<void> } {
  const lazy = lazyConnection(connection);
  const client = new Client({ connection: lazy, namespace: options.namespace });
  return { orchestrator: new Orchestrator(client, options), close: () => lazy.close() };
}
