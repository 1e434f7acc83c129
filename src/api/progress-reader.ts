import { QueryRejectedError } from '@temporalio/client';
import { isFinalTaskStatus, type ProgressState } from '../progress';
import type { TaskProgressResponse } from './models';
import type { ApiMetrics } from './metrics';
import type { Orchestrator } from './orchestrator';
import { presentFromExecution, presentProgress, type ExecutionView } from './present';

/** Part of the read's deadline kept back to ask Temporal itself after an unanswered query. */
const FALLBACK_RESERVE_MS = 400;

type QueryOutcome = 'answered' | 'rejected' | 'unanswered';

/**
 * Reads a video's progress as the GET and the event stream answer it, within one deadline (QUERY_TIMEOUT_MS).
 * - An open or completed run: one query, whose state says everything (the common case costs one round trip).
 * - A run closed otherwise (failed, cancelled, terminated, timed out): Temporal refuses that query at once, and the
 *   answer combines describe (the execution's status and close time) with an unconditional query.
 * - No answer in time (no worker, or all busy): Temporal's record of the run alone, marked stale, saying why.
 * Temporal unreachable, or no run at all: describe's error is the answer (503 / 404).
 */
export class ProgressReader {
  /** The last live answer per video, so a stale answer keeps the progress last seen instead of dropping to 0. */
  private readonly lastLive = new Map<string, TaskProgressResponse>();

  constructor(
    private readonly orchestrator: Pick<
      Orchestrator,
      'queryTimeoutMs' | 'taskQueue' | 'queryLatest' | 'queryProgress' | 'describe' | 'hasRecentWorkers'
    >,
    private readonly metrics: ApiMetrics,
    private readonly memory = 1_000,
  ) {}

  async read(videoId: string): Promise<TaskProgressResponse> {
    const budget = this.orchestrator.queryTimeoutMs;
    const deadline = Date.now() + budget;
    const queryDeadline = deadline - Math.min(FALLBACK_RESERVE_MS, budget / 2);
    try {
      const state = await this.timed(() => this.orchestrator.queryLatest(videoId, queryDeadline));
      return this.remember(presentProgress(state, executionOf(state), Date.now()));
    } catch (error) {
      if (error instanceof QueryRejectedError) return this.readClosed(videoId, queryDeadline, deadline);
      const execution = await this.orchestrator.describe(videoId, deadline);
      return this.stale(videoId, execution, deadline);
    }
  }

  /** A run that closed other than cleanly: describe and query side by side. */
  private async readClosed(videoId: string, queryDeadline: number, deadline: number): Promise<TaskProgressResponse> {
    const query = this.timed(() => this.orchestrator.queryProgress(videoId, queryDeadline)).then(
      (state) => state,
      () => null,
    );
    const execution = await this.orchestrator.describe(videoId, deadline);
    const state = await query;
    return state && state.runId === execution.runId
      ? this.remember(presentProgress(state, execution, Date.now()))
      : this.stale(videoId, execution, deadline);
  }

  private remember(answer: TaskProgressResponse): TaskProgressResponse {
    this.lastLive.delete(answer.video_id);
    this.lastLive.set(answer.video_id, answer);
    // A Map iterates in insertion order: the first key is the least recently answered video.
    if (this.lastLive.size > this.memory) this.lastLive.delete(this.lastLive.keys().next().value!);
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
      if (error instanceof QueryRejectedError) outcome = 'rejected';
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
