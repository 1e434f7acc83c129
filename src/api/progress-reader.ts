import type { TaskProgressResponse } from './models';
import type { ApiMetrics } from './metrics';
import type { Orchestrator } from './orchestrator';
import { presentFromExecution, presentProgress } from './present';

/** Part of the read's deadline kept back to find out, after an unanswered query, whether any worker is polling. */
const DIAGNOSIS_RESERVE_MS = 300;

/**
 * Reads a video's progress as the GET and the event stream answer it, within one deadline (QUERY_TIMEOUT_MS):
 * Temporal's record of the latest run (describe) and the workflow's own state (query), asked side by side so the
 * answer costs one round trip. When the workflow does not answer in time, the answer comes from Temporal's record
 * alone, marked stale, saying why.
 */
export class ProgressReader {
  constructor(
    private readonly orchestrator: Orchestrator,
    private readonly metrics: ApiMetrics,
  ) {}

  async read(videoId: string): Promise<TaskProgressResponse> {
    const budget = this.orchestrator.queryTimeoutMs;
    const deadline = Date.now() + budget;
    const queryDeadline = deadline - Math.min(DIAGNOSIS_RESERVE_MS, budget / 4);
    const started = performance.now();
    const query = this.orchestrator.queryProgress(videoId, queryDeadline).then(
      (state) => {
        this.metrics.queryDuration.observe({ outcome: 'answered' }, (performance.now() - started) / 1000);
        return state;
      },
      (error: unknown) => {
        this.metrics.queryDuration.observe({ outcome: 'unanswered' }, (performance.now() - started) / 1000);
        return { unanswered: error };
      },
    );
    // Unknown video or unreachable Temporal: the describe's error is the answer (404 / 503).
    const execution = await this.orchestrator.describe(videoId, deadline);
    const state = await query;
    if (!('unanswered' in state)) return presentProgress(state, execution, Date.now());

    const workers = await this.orchestrator.hasRecentWorkers(deadline);
    const reason = workers === false ? 'no_worker' : 'no_answer';
    this.metrics.staleAnswers.inc({ reason });
    const why =
      workers === false
        ? `no worker is polling task queue "${this.orchestrator.taskQueue}"`
        : `the workflow did not answer within ${budget} ms (workers busy, or a worker just stopped)`;
    return presentFromExecution(videoId, execution, `Live progress is unavailable: ${why}. ${STALE_SOURCE}`);
  }
}

const STALE_SOURCE = "This answer comes from the workflow service's record of the run; subtasks are not known.";
