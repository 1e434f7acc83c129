import { QueryRejectedError } from '@temporalio/client';
import type { ProgressState } from '../progress';
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
  constructor(
    private readonly orchestrator: Orchestrator,
    private readonly metrics: ApiMetrics,
  ) {}

  async read(videoId: string): Promise<TaskProgressResponse> {
    const budget = this.orchestrator.queryTimeoutMs;
    const deadline = Date.now() + budget;
    const queryDeadline = deadline - Math.min(FALLBACK_RESERVE_MS, budget / 2);
    try {
      const state = await this.timed(() => this.orchestrator.queryLatest(videoId, queryDeadline));
      return presentProgress(state, executionOf(state), Date.now());
    } catch (error) {
      if (error instanceof QueryRejectedError) return this.readClosed(videoId, deadline);
      const execution = await this.orchestrator.describe(videoId, deadline);
      return this.stale(videoId, execution, deadline);
    }
  }

  /** A run that closed other than cleanly: describe and query side by side. */
  private async readClosed(videoId: string, deadline: number): Promise<TaskProgressResponse> {
    const query = this.timed(() => this.orchestrator.queryProgress(videoId, deadline)).then(
      (state) => state,
      () => null,
    );
    const execution = await this.orchestrator.describe(videoId, deadline);
    const state = await query;
    return state && state.runId === execution.runId
      ? presentProgress(state, execution, Date.now())
      : this.stale(videoId, execution, deadline);
  }

  private async stale(videoId: string, execution: ExecutionView, deadline: number): Promise<TaskProgressResponse> {
    const workers = await this.orchestrator.hasRecentWorkers(deadline);
    this.metrics.staleAnswers.inc({ reason: workers === false ? 'no_worker' : 'no_answer' });
    const why =
      workers === false
        ? `no worker is polling task queue "${this.orchestrator.taskQueue}"`
        : `the workflow did not answer within ${this.orchestrator.queryTimeoutMs} ms (workers busy, or one just stopped)`;
    return presentFromExecution(videoId, execution, `Live progress is unavailable: ${why}. ${STALE_SOURCE}`);
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

const STALE_SOURCE = "This answer comes from the workflow service's record of the run; subtasks are not known.";
