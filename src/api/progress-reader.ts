import { isFinalTaskStatus, TASK_STATUSES, type ProgressState, type TaskStatus } from '../progress';
import type { Catalog, TaskRow } from '../store';
import type { TaskProgressResponse } from './models';
import type { ApiMetrics } from './metrics';
import { ApiError } from './errors';
import { RunClosedError, type ExecutionView, type Orchestrator } from './orchestrator';
import { presentFromExecution, presentNotify, presentProgress } from './present';

/** The catalog's part: runs as recorded, and the snapshots the API saw of them. */
export type RunHistory = Pick<Catalog, 'saveSnapshot' | 'findRun' | 'latestRun' | 'closeRun'>;

/** A live snapshot is kept in the catalog at most this often per run (and always when the run has ended). */
const SNAPSHOT_EVERY_MS = 2_000;

/** Part of the read's deadline kept back to ask Temporal itself after an unanswered query. */
const FALLBACK_RESERVE_MS = 400;

type QueryOutcome = 'answered' | 'rejected' | 'unanswered';

/**
 * Reads a video's progress as the GET and the event stream answer it, within one deadline (QUERY_TIMEOUT_MS).
 * - An open or completed run: one query, whose state says everything (the common case costs one round trip).
 * - A run closed otherwise (failed, cancelled, terminated, timed out): Temporal refuses that query at once, and the
 *   answer combines describe (the execution's status and close time) with an unconditional query.
 * - No answer in time (no worker, or all busy): the last live answer (this process's, else the catalog's snapshot),
 *   or Temporal's record of the run alone, marked stale, saying why.
 * - A run Temporal no longer knows (past its retention): the catalog's record of it, marked stale.
 * Temporal unreachable, or no run anywhere: describe's error is the answer (503 / 404).
 */
export class ProgressReader {
  /** The last live answer per video, so a stale answer keeps the progress last seen instead of dropping to 0. */
  private readonly lastLive = new Map<string, TaskProgressResponse>();
  /** When each run's snapshot was last kept in the catalog, and at which seq. */
  private readonly lastSaved = new Map<string, { at: number; seq: number }>();

  constructor(
    private readonly orchestrator: Pick<
      Orchestrator,
      | 'queryTimeoutMs'
      | 'taskQueue'
      | 'queryLatest'
      | 'queryProgress'
      | 'describe'
      | 'hasRecentWorkers'
      | 'queryDelivery'
    >,
    private readonly metrics: ApiMetrics,
    private readonly history: RunHistory | null = null,
    private readonly memory = 1_000,
  ) {}

  async read(videoId: string): Promise<TaskProgressResponse> {
    const budget = this.orchestrator.queryTimeoutMs;
    const deadline = Date.now() + budget;
    const queryDeadline = deadline - Math.min(FALLBACK_RESERVE_MS, budget / 2);
    try {
      const state = await this.timed(() => this.orchestrator.queryLatest(videoId, queryDeadline));
      const answer = this.remember(state, presentProgress(state, executionOf(state), Date.now()));
      return await this.withDelivery(state, answer, deadline);
    } catch (error) {
      if (error instanceof RunClosedError) return this.readClosed(videoId, queryDeadline, deadline);
      let execution: ExecutionView;
      try {
        execution = await this.orchestrator.describe(videoId, deadline);
      } catch (describeError) {
        const recorded =
          describeError instanceof ApiError && describeError.code === 'TASK_NOT_FOUND'
            ? await this.recorded(videoId)
            : null;
        if (recorded) return recorded;
        throw describeError;
      }
      return this.stale(videoId, execution, deadline);
    }
  }

  /**
   * A finished run with a callback: its notify step from the delivery's own workflow, which goes on after the run.
   * When the delivery cannot be asked in time the answer keeps the step as the run left it.
   */
  private async withDelivery(
    state: ProgressState,
    answer: TaskProgressResponse,
    deadline: number,
  ): Promise<TaskProgressResponse> {
    if (state.callbackHost === undefined || answer.finished_at === null) return answer;
    const delivery = await this.orchestrator.queryDelivery(state.videoId, state.runId, deadline).catch(() => null);
    return delivery ? { ...answer, notify: presentNotify(state.callbackHost, delivery) } : answer;
  }

  /** The catalog's record of the video's latest run, when Temporal no longer has it. */
  private async recorded(videoId: string): Promise<TaskProgressResponse | null> {
    const row = await this.history?.latestRun(videoId).catch(() => undefined);
    if (!row) return null;
    this.metrics.staleAnswers.inc({ reason: 'past_retention' });
    return presentRecord(
      row,
      null,
      "This run is no longer known to the workflow service (past its retention); this answer is the catalog's record of it.",
    );
  }

  /** A run that closed other than cleanly: describe and query side by side. */
  private async readClosed(videoId: string, queryDeadline: number, deadline: number): Promise<TaskProgressResponse> {
    const query = this.timed(() => this.orchestrator.queryProgress(videoId, queryDeadline)).then(
      (state) => state,
      () => null,
    );
    const execution = await this.orchestrator.describe(videoId, deadline);
    this.closeRecord(execution);
    const state = await query;
    return state && state.runId === execution.runId
      ? this.withDelivery(state, this.remember(state, presentProgress(state, execution, Date.now())), deadline)
      : this.stale(videoId, execution, deadline);
  }

  /**
   * A run closed from outside (terminated, timed out) could not record its end: its record is closed from what
   * Temporal reports. A record the workflow already closed is left alone.
   */
  private closeRecord(execution: ExecutionView): void {
    const status = presentFromExecution(execution.workflowId, execution, '').status;
    if (!this.history || !isFinalTaskStatus(status)) return;
    const finishedAt = (execution.closeTime ?? new Date()).toISOString();
    void this.history.closeRun(execution.runId, { status, finishedAt }).catch(() => undefined);
  }

  /** Keeps a live answer in memory, and now and then in the catalog, for when the workflow cannot be asked. */
  private remember(state: ProgressState, answer: TaskProgressResponse): TaskProgressResponse {
    this.lastLive.delete(answer.video_id);
    this.lastLive.set(answer.video_id, answer);
    // A Map iterates in insertion order: the first key is the least recently answered video.
    if (this.lastLive.size > this.memory) this.lastLive.delete(this.lastLive.keys().next().value!);

    const saved = this.lastSaved.get(answer.run_id);
    const now = Date.now();
    const due = !saved || (saved.seq !== answer.seq && (now - saved.at >= SNAPSHOT_EVERY_MS || answer.finished_at));
    if (this.history && due) {
      this.lastSaved.delete(answer.run_id);
      this.lastSaved.set(answer.run_id, { at: now, seq: answer.seq });
      if (this.lastSaved.size > this.memory) this.lastSaved.delete(this.lastSaved.keys().next().value!);
      // Off the answer's path: a slow or failing catalog never delays nor fails a GET.
      void this.history
        .saveSnapshot(answer.run_id, { status: answer.status, progress: answer.progress, snapshot: state })
        .catch(() => undefined);
    }
    return answer;
  }

  private async stale(videoId: string, execution: ExecutionView, deadline: number): Promise<TaskProgressResponse> {
    const workers = await this.orchestrator.hasRecentWorkers(deadline);
    this.metrics.staleAnswers.inc({ reason: workers === false ? 'no_worker' : 'no_answer' });
    const why =
      workers === false
        ? `no worker is polling task queue "${this.orchestrator.taskQueue}"`
        : `the workflow did not answer within ${this.orchestrator.queryTimeoutMs} ms (workers busy, or one just stopped)`;
    const message = `Live progress is unavailable: ${why}.`;
    const last = this.lastLive.get(videoId);
    if (last && last.run_id === execution.runId) return staleFromLast(last, execution, message);
    const row = await this.history?.findRun(execution.runId).catch(() => undefined);
    if (row?.snapshot) {
      return presentRecord(row, execution, `${message} This answer is the catalog's last snapshot of the run.`);
    }
    return presentFromExecution(videoId, execution, `${message} ${STALE_SOURCE}`);
  }

  private async timed(query: () => Promise<ProgressState>): Promise<ProgressState> {
    const started = performance.now();
    let outcome: QueryOutcome = 'unanswered';
    try {
      const state = await query();
      outcome = 'answered';
      return state;
    } catch (error) {
      if (error instanceof RunClosedError) outcome = 'rejected';
      throw error;
    } finally {
      this.metrics.queryDuration.observe({ outcome }, (performance.now() - started) / 1000);
    }
  }
}

/** What an answered clean query tells of its execution: open while the workflow runs, completed once it returned. */
function executionOf(state: ProgressState): ExecutionView {
  return {
    workflowId: state.videoId,
    runId: state.runId,
    status: state.phase === 'completed' ? 'COMPLETED' : 'RUNNING',
    startTime: new Date(state.startedAt),
    closeTime: state.finishedAt === null ? undefined : new Date(state.finishedAt),
  };
}

/**
 * A run as the catalog recorded it: its snapshot presented as a live answer would be, marked stale. Its status is
 * Temporal's when the run is still known there, else the recorded one.
 */
function presentRecord(row: TaskRow, execution: ExecutionView | null, message: string): TaskProgressResponse {
  const state = row.snapshot ? (JSON.parse(row.snapshot) as ProgressState) : null;
  const recordedStatus = (TASK_STATUSES as readonly string[]).includes(row.status)
    ? (row.status as TaskStatus)
    : 'running';
  const view: ExecutionView = execution ?? {
    workflowId: row.workflow_id,
    runId: row.run_id,
    status: 'RUNNING',
    startTime: new Date(row.started_at ?? row.created_at),
    closeTime: row.finished_at ? new Date(row.finished_at) : undefined,
  };
  const answer = state ? presentProgress(state, view, Date.now()) : presentFromExecution(row.video_id, view, message);
  return {
    ...answer,
    status: execution ? answer.status : recordedStatus,
    progress: Math.max(answer.progress, row.progress),
    finished_at: answer.finished_at ?? row.finished_at,
    error: answer.error ?? row.error,
    eta_seconds: null,
    stale: true,
    message,
  };
}

/**
 * The last live answer for this run, marked stale: its progress and subtasks as they were then, its status from
 * Temporal when the run has closed since.
 */
function staleFromLast(last: TaskProgressResponse, execution: ExecutionView, message: string): TaskProgressResponse {
  const closed = presentFromExecution(last.video_id, execution, message);
  const status = isFinalTaskStatus(closed.status) ? closed.status : last.status;
  return {
    ...last,
    status,
    current_step: isFinalTaskStatus(status) ? null : last.current_step,
    finished_at: last.finished_at ?? closed.finished_at,
    eta_seconds: null,
    stale: true,
    message: `${message} This answer is the last one the workflow gave, at ${last.updated_at ?? 'its start'}.`,
  };
}

const STALE_SOURCE = "This answer comes from the workflow service's record of the run; subtasks are not known.";
