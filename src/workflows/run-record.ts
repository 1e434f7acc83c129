import { CancellationScope, log, patched } from '@temporalio/workflow';
import type { VideoInfo } from '../media/probe';
import { toPercent, type RunProgress, type StepName } from '../progress';
import type { ShortSteps } from './activities';
import { describeFailure } from './failures';
import { now } from './steps';

/**
 * Runs record themselves in the catalog from this change on. Histories recorded before it replay without the
 * records (patched() is false for them), so workers can be upgraded while such runs are open.
 */
export const RECORD_RUNS_PATCH = 'record-runs-in-catalog';

export interface RunRecord {
  /** Records how the run ended, even while the run is being cancelled; `publishedInfo` once it published. */
  outcome(publishedInfo?: VideoInfo): Promise<void>;
}

/**
 * Records the run's start in the catalog, side by side with the work (the record must not delay it), and gives the
 * means to record its outcome. A record that fails is logged; it never fails the processing it describes.
 */
export function recordRun(
  progress: RunProgress,
  run: { videoId: string; runId: string; steps: StepName[]; startedAt: string },
  records: Pick<ShortSteps, 'recordRunStarted' | 'recordRunFinished'>,
): RunRecord {
  const recorded = patched(RECORD_RUNS_PATCH);
  const started = recorded
    ? record('start', () =>
        records.recordRunStarted.executeWithOptions({ summary: `record the start of ${run.videoId}'s run` }, [
          { ...run, snapshot: progress.snapshot() },
        ]),
      )
    : Promise.resolve();
  return {
    async outcome(publishedInfo) {
      if (!recorded) return;
      const state = progress.snapshot();
      await CancellationScope.nonCancellable(async () => {
        await started;
        await record('outcome', () =>
          records.recordRunFinished.executeWithOptions({ summary: `record the outcome of ${run.videoId}'s run` }, [
            {
              ...run,
              snapshot: state,
              status: state.phase === 'running' ? 'failed' : state.phase,
              progress: toPercent(state.overall),
              error: state.error,
              finishedAt: state.finishedAt ?? now(),
              ...(publishedInfo === undefined ? {} : { publishedInfo }),
            },
          ]),
        );
      });
    },
  };
}

async function record(what: string, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (error) {
    log.warn(`the run's ${what} could not be recorded in the catalog`, { error: describeFailure(error) });
  }
}
