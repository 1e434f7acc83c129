import { promises as fs } from 'node:fs';
import path from 'node:path';
import { buildAudioRenditionArgs } from '../media/hls';
import { formatVodPlaylist, listedSegments } from '../media/hls-playlist';
import { completePart, exists, partFolders } from './chunk-folders';
import type { ActivityDeps } from './deps';
import { runFfmpegStep } from './ffmpeg-step';
import { mediaStep } from './media-step';
import type { ProgressReporter } from './reporter';
import type { MediaStepInput } from './step-input';

export interface AudioRenditionInput extends MediaStepInput {
  audioKbps: number;
}

export interface AudioRenditionOutcome {
  /** The part's folder in staging until the ladder is put together. */
  folder: string;
  segments: number;
}

/** The audio part's name among the transcode's parts (the chunks are numbered). */
export const AUDIO_PART = 'audio';

/**
 * The ladder's audio: one AAC encode of the whole video, as an HLS audio rendition every video rendition plays
 * with, instead of one AAC encode muxed into each of them. Encoded into its attempt's folder and made the part's by
 * one rename, like a chunk; it is short work, so a retry starts it again.
 */
export function createTranscodeAudio(deps: ActivityDeps, track: ProgressReporter) {
  return mediaStep(
    deps,
    track,
    'transcode',
    async ({ info, audioKbps }: AudioRenditionInput, { source, out, tracker }): Promise<AudioRenditionOutcome> => {
      const folders = partFolders(out, AUDIO_PART, tracker.attempt);
      const folder = path.relative(out, folders.done);
      if (!(await exists(folders.done))) {
        await fs.rm(folders.attempt, { recursive: true, force: true });
        await fs.mkdir(folders.attempt, { recursive: true });
        await runFfmpegStep(
          deps.ffmpegPath,
          buildAudioRenditionArgs({
            sourcePath: source,
            durationSeconds: info.durationSeconds,
            outDir: folders.attempt,
            audioTrack: info.audioTrack ?? 0,
            audioKbps,
          }),
          {
            durationSeconds: info.durationSeconds,
            declaredSourceSeconds: info.durationSeconds,
            onFraction: tracker.update,
          },
        );
        // ffmpeg's VOD playlist, rewritten as every rendition's is: one writer of the format.
        const playlist = path.join(folders.attempt, 'playlist.m3u8');
        await fs.writeFile(playlist, formatVodPlaylist(listedSegments(await fs.readFile(playlist, 'utf8'))));
        await completePart(folders);
      }
      const listed = listedSegments(await fs.readFile(path.join(folders.done, 'playlist.m3u8'), 'utf8'));
      return { folder, segments: listed.length };
    },
  );
}
