import { promises as fs } from 'node:fs';
import path from 'node:path';
import { buildScenesArgs, createSceneParser } from '../media/scenes';
import type { ActivityDeps } from './deps';
import { toActivityFailure } from './failures';
import { runFfmpegStep } from './ffmpeg-step';
import type { ProgressReporter } from './reporter';
import { currentStagingDir, requireSource } from './source';
import type { MediaStepInput } from './step-input';

export interface ScenesOutcome {
  file: string;
  cuts: number;
}

/** Scene cuts (timestamps + scores) to scenes.json. */
export function createScenes(deps: ActivityDeps, track: ProgressReporter) {
  return async function scenes({ videoId, info, share }: MediaStepInput): Promise<ScenesOutcome> {
    const { update, release } = track('scenes', share);
    try {
      const source = await requireSource(deps.dataDir, videoId);
      const out = currentStagingDir(deps.dataDir, videoId);
      await fs.mkdir(out, { recursive: true });
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
    } catch (error) {
      throw toActivityFailure(error);
    } finally {
      release();
    }
  };
}
