import { promises as fs } from 'node:fs';
import path from 'node:path';
import { buildScenesArgs, createSceneParser } from '../media/scenes';
import type { ActivityDeps } from './deps';
import { runFfmpegStep } from './ffmpeg-step';
import { mediaStep } from './media-step';
import type { ProgressReporter } from './reporter';
import type { MediaStepInput } from './step-input';

export interface ScenesOutcome {
  file: string;
  cuts: number;
}

/** Scene cuts (timestamps + scores) to scenes.json. */
export function createScenes(deps: ActivityDeps, track: ProgressReporter) {
  return mediaStep(
    deps,
    track,
    'scenes',
    async ({ info }: MediaStepInput, { source, out, tracker }): Promise<ScenesOutcome> => {
      const { update } = tracker;
      const parser = createSceneParser();
      await runFfmpegStep(deps.ffmpegPath, buildScenesArgs(source, { durationSeconds: info.durationSeconds }), {
        durationSeconds: info.durationSeconds,
        declaredSourceSeconds: info.durationSeconds,
        onFraction: (fraction) => update(fraction * 0.98),
        onStderr: parser.push,
      });
      const cuts = parser.cuts();
      await fs.writeFile(path.join(out, 'scenes.json'), JSON.stringify({ cuts }, null, 2));
      return { file: 'scenes.json', cuts: cuts.length };
    },
  );
}
