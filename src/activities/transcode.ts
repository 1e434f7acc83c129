import { promises as fs } from 'node:fs';
import path from 'node:path';
import { buildHlsLadderArgs } from '../media/hls';
import type { ActivityDeps } from './deps';
import { toActivityFailure } from './failures';
import { runFfmpegStep } from './ffmpeg-step';
import type { ProgressReporter } from './reporter';
import { currentStagingDir, requireSource } from './source';
import type { TranscodeInput } from './step-input';

export interface TranscodeOutcome {
  master: string;
  renditions: { name: string; width: number; height: number; playlist: string; segments: number }[];
}

/** The HLS VOD ladder: master.m3u8 + one playlist and its segments per rendition, decoded once and split. */
export function createTranscode(deps: ActivityDeps, track: ProgressReporter) {
  return async function transcode({ videoId, info, share, renditions }: TranscodeInput): Promise<TranscodeOutcome> {
    const { update, release } = track('transcode', share);
    try {
      const source = await requireSource(deps.dataDir, videoId);
      const out = currentStagingDir(deps.dataDir, videoId);
      // A retry starts the ladder again from a clean slate: no segment of a killed attempt survives into the result.
      await fs.rm(path.join(out, 'master.m3u8'), { force: true });
      for (const rendition of renditions) {
        await fs.rm(path.join(out, rendition.name), { recursive: true, force: true });
        await fs.mkdir(path.join(out, rendition.name), { recursive: true });
      }
      await runFfmpegStep(
        deps.ffmpegPath,
        buildHlsLadderArgs({
          sourcePath: source,
          outDir: out,
          renditions,
          hasAudio: info.hasAudio,
          deinterlace: info.interlaced,
          threads: deps.cores ?? 1,
        }),
        { durationSeconds: info.durationSeconds, onFraction: update },
      );
      const made = await Promise.all(
        renditions.map(async (rendition) => {
          const files = await fs.readdir(path.join(out, rendition.name));
          return {
            name: rendition.name,
            width: rendition.width,
            height: rendition.height,
            playlist: `${rendition.name}/playlist.m3u8`,
            segments: files.filter((file) => file.endsWith('.ts')).length,
          };
        }),
      );
      return { master: 'master.m3u8', renditions: made };
    } catch (error) {
      throw toActivityFailure(error);
    } finally {
      release();
    }
  };
}
