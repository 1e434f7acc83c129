import type { ReprocessInput } from '../workflows/definitions';
import type { StepName } from '../progress';
import { ApiError } from './errors';
import type { ApiMetrics } from './metrics';
import type { AsyncTaskResponse } from './models';
import type { Orchestrator } from './orchestrator';
import { acceptedRun } from './videos';

/** Starts a run and answers with its 202 body; every start, whichever route asked, is counted the same way. */
export type StartRun = (
  input: Omit<ReprocessInput, 'mediaTaskQueue'> & { steps: StepName[] },
) => Promise<AsyncTaskResponse>;

export function runStarter(orchestrator: Pick<Orchestrator, 'start'>, metrics: ApiMetrics): StartRun {
  return async (input) => {
    let runId: string;
    try {
      ({ runId } = await orchestrator.start(input));
    } catch (error) {
      const refused = error instanceof ApiError && error.code === 'TASK_ALREADY_RUNNING';
      metrics.starts.inc({ outcome: refused ? 'refused' : 'failed' });
      throw error;
    }
    metrics.starts.inc({ outcome: 'accepted' });
    return acceptedRun(input.videoId, runId, input.steps);
  };
}
