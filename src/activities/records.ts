import { log } from '@temporalio/activity';
import type { ProgressState } from '../progress';
import type { ActivityDeps } from './deps';

export interface RunStartedInput {
  videoId: string;
  runId: string;
  steps: string[];
  startedAt: string;
  snapshot: ProgressState;
}

export interface RunFinishedInput extends RunStartedInput {
  status: 'completed' | 'failed' | 'cancelled';
  /** 0–100, one decimal. */
  progress: number;
  error: string | null;
  finishedAt: string;
  /** The probe's info, when the run published: the video's current run becomes this one. */
  publishedInfo?: unknown;
}

/**
 * The run's history in the catalog, written by the workflow through these activities, so a run is on record beyond
 * Temporal's retention. Both are idempotent: a retried attempt writes the same row.
 */
export function createRunRecords({ catalog }: Pick<ActivityDeps, 'catalog'>) {
  return {
    async recordRunStarted(input: RunStartedInput): Promise<void> {
      await catalog.recordRunStarted({ ...input, workflowId: input.videoId });
    },

    async recordRunFinished(input: RunFinishedInput): Promise<void> {
      await catalog.recordRunFinished({
        ...input,
        workflowId: input.videoId,
        ...(input.publishedInfo === undefined ? {} : { published: { info: input.publishedInfo } }),
      });
      log.info('run recorded', { videoId: input.videoId, status: input.status });
    },
  };
}
