import { promises as fs } from 'node:fs';
import path from 'node:path';
import { buildPosterArgs, buildStoryboardArgs, buildStoryboardVtt, planStoryboard } from '../media/thumbnails';
import type { ActivityDeps } from './deps';
import { runFfmpegStep } from './ffmpeg-step';
import { mediaStep } from './media-step';
import type { ProgressReporter } from './reporter';
import type { MediaStepInput } from './step-input';

export interface ThumbnailsOutcome {
  poster: string;
  sprites: string[];
  vtt: string;
  count: number;
  intervalSeconds: number;
}

/** Poster + storyboard sprites + WebVTT, in the run's staging folder. */
export function createThumbnails(deps: ActivityDeps, track: ProgressReporter) {
  return mediaStep(
    deps,
    track,
    'thumbnails',
    async ({ info }: MediaStepInput, { source, out, tracker }): Promise<ThumbnailsOutcome> => {
      const { update } = tracker;
      const plan = planStoryboard(info.durationSeconds, info.width, info.height);
      await runFfmpegStep(deps.ffmpegPath, buildPosterArgs(source, out, info), {
        durationSeconds: 0.04,
        onFraction: update,
        range: [0, 0.05],
      });
      await runFfmpegStep(deps.ffmpegPath, buildStoryboardArgs(source, out, plan, info.durationSeconds, info), {
        durationSeconds: info.durationSeconds,
        onFraction: update,
        range: [0.05, 0.98],
      });
      await fs.writeFile(path.join(out, 'storyboard.vtt'), buildStoryboardVtt(plan, info.durationSeconds));
      const sprites = (await fs.readdir(out)).filter((name) => /^storyboard_\d{3}\.jpg$/.test(name)).sort();
      return {
        poster: 'poster.jpg',
        sprites,
        vtt: 'storyboard.vtt',
        count: plan.count,
        intervalSeconds: plan.intervalSeconds,
      };
    },
  );
}
