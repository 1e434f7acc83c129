import { isCancellation, setCurrentDetails } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { SkippedOutcome } from '../activities/step-input';
import type { Rendition } from '../media/ladder';
import type { VideoInfo } from '../media/probe';
import { toPercent, type MediaStepName, type RunProgress, type StepName } from '../progress';
import { mediaActivities } from './activities';
import { describeFailure } from './failures';

/** What each media step returns, by step. */
export type MediaOutcomes = { [Step in MediaStepName]: Awaited<ReturnType<Activities[Step]>> };

/** What a run produced, handed to publish and returned: the probe's findings, then each media step's outcome. */
export type RunOutputs = { info?: VideoInfo; renditions?: Rendition[] } & Partial<MediaOutcomes>;

/** Current workflow time, ISO-8601: the same on every replay. */
export const now = () => new Date().toISOString();

/**
 * Runs one step's activity and keeps its progress: started, then completed, skipped (when the step says so) or
 * failed. A cancellation is left to the run's own ending, which marks every unfinished step at once.
 */
export async function tracked<T>(progress: RunProgress, name: StepName, work: () => Promise<T>): Promise<T> {
  progress.start(name, now());
  try {
    const value = await work();
    if (isSkipped(value)) progress.skip(name, now(), value.reason);
    else progress.complete(name, now());
    setCurrentDetails(`**${name}** done · ${toPercent(progress.overall)} %`);
    return value;
  } catch (error) {
    if (!isCancellation(error)) progress.fail(name, now(), describeFailure(error));
    throw error;
  }
}

/** Starts one media step's activity, with the share of the run's progress it reports in. */
export function runMediaStep<Step extends MediaStepName>(
  name: Step,
  run: { videoId: string; info: VideoInfo; renditions: Rendition[]; share: number; mediaTaskQueue?: string },
): Promise<MediaOutcomes[Step]> {
  const media = mediaActivities(run.mediaTaskQueue);
  const args = { videoId: run.videoId, info: run.info, share: run.share };
  const options = { summary: `${name} ${run.videoId}` };
  const started: { [S in MediaStepName]: () => Promise<MediaOutcomes[S]> } = {
    thumbnails: () => media.thumbnails.executeWithOptions(options, [args]),
    audio: () => media.audio.executeWithOptions(options, [args]),
    scenes: () => media.scenes.executeWithOptions(options, [args]),
    transcode: () => media.transcode.executeWithOptions(options, [{ ...args, renditions: run.renditions }]),
  };
  return started[name]();
}

function isSkipped(value: unknown): value is SkippedOutcome {
  return typeof value === 'object' && value !== null && (value as Partial<SkippedOutcome>).skipped === true;
}
