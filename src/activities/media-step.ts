import { promises as fs } from 'node:fs';
import type { MediaStepName } from '../progress';
import type { ActivityDeps } from './deps';
import { toActivityFailure } from './failures';
import type { ProgressReporter } from './reporter';
import { currentStagingDir, requireSource } from './source';
import type { MediaStepInput } from './step-input';

/** What a media step's own work is given: its source file, the run's staging folder, and its progress tracker. */
export interface MediaStepContext {
  source: string;
  out: string;
  tracker: ReturnType<ProgressReporter>;
}

/**
 * The skeleton every media step shares: progress tracked from its first moment to its last, the source found (or a
 * non-retryable VideoNotFound), the staging folder made, bad input turned into a non-retryable failure, and the
 * tracker released whatever happens. Each step writes only its own work.
 */
export function mediaStep<Input extends MediaStepInput, Outcome>(
  deps: Pick<ActivityDeps, 'dataDir'>,
  track: ProgressReporter,
  name: MediaStepName,
  work: (input: Input, step: MediaStepContext) => Promise<Outcome>,
): (input: Input) => Promise<Outcome> {
  return async (input) => {
    const tracker = track(name, input.share, input.part);
    try {
      const source = await requireSource(deps.dataDir, input.videoId);
      const out = currentStagingDir(deps.dataDir, input.videoId);
      await fs.mkdir(out, { recursive: true });
      return await work(input, { source, out, tracker });
    } catch (error) {
      throw toActivityFailure(error);
    } finally {
      tracker.release();
    }
  };
}
