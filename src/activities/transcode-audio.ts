import { promises as fs } from 'node:fs';
import path from 'node:path';
import { buildAudioRenditionArgs } from '../media/hls';
import { formatVodPlaylist, listedSegments } from '../media/hls-playlist';
import type { VideoInfo } from '../media/probe';
import { completePart, partFolders } from './chunk-folders';
import type { ActivityDeps } from './deps';
import { runFfmpegStep } from './ffmpeg-step';
import { mediaStep } from './media-step';
import type { ProgressReporter } from './reporter';
import type { MediaStepInput } from './step-input';
import { exists, writeAtomically } from './files';

export interface AudioRenditionInput extends MediaStepInput {
  audioKbps: number;
}

export interface AudioRenditionOutcome {
  /** The part's folder in staging, until the ladder is put together. */
  folder: string;
  /** One rendition per audio stream: the stream (0-based among the audio streams), its folder, its segments. */
  tracks: { audioTrack: number; name: string; segments: number }[];
}

/** The audio part's name among the transcode's parts (the chunks are numbered). */
export const AUDIO_PART = 'audio';

/** A file with more audio streams than this gets renditions of the first ones (the main one always among them). */
export const MAX_AUDIO_RENDITIONS = 8;

/** The folder of audio stream `track`'s rendition. */
export function audioRenditionName(track: number): string {
  return `audio-${track}`;
}

/** The audio streams that get a rendition: the main one first, then the others in order, at most 8. */
export function audioTracksOf(info: Pick<VideoInfo, 'audioTrack' | 'audioTracks'>): number[] {
  const main = info.audioTrack ?? 0;
  const all = (info.audioTracks ?? []).map((_, index) => index).filter((index) => index !== main);
  return [main, ...all].slice(0, MAX_AUDIO_RENDITIONS);
}

/**
 * The ladder's audio: one AAC encode of the whole video per audio stream, as HLS audio renditions every video
 * rendition plays with, instead of one AAC encode muxed into each of them. Encoded into its attempt's folder and
 * made the part's by one rename, like a chunk; it is short work, so a retry starts it again.
 */
export function createTranscodeAudio(deps: ActivityDeps, track: ProgressReporter) {
  return mediaStep(
    deps,
    track,
    'transcode',
    async ({ info, audioKbps }: AudioRenditionInput, { source, out, tracker }): Promise<AudioRenditionOutcome> => {
      const folders = partFolders(out, AUDIO_PART, tracker.attempt);
      const tracks = audioTracksOf(info);
      if (!(await exists(folders.done))) {
        await fs.rm(folders.attempt, { recursive: true, force: true });
        const dirs = tracks.map((audioTrack) => path.join(folders.attempt, audioRenditionName(audioTrack)));
        await Promise.all(dirs.map((dir) => fs.mkdir(dir, { recursive: true })));
        await runFfmpegStep(
          deps.ffmpegPath,
          buildAudioRenditionArgs({
            sourcePath: source,
            durationSeconds: info.durationSeconds,
            tracks: tracks.map((audioTrack, i) => ({ audioTrack, outDir: dirs[i] ?? '' })),
            audioKbps,
          }),
          {
            durationSeconds: info.durationSeconds,
            declaredSourceSeconds: info.durationSeconds,
            onFraction: tracker.update,
          },
        );
        // ffmpeg's VOD playlists, rewritten as every rendition's is: one writer of the format.
        for (const dir of dirs) {
          const playlist = path.join(dir, 'playlist.m3u8');
          await writeAtomically(playlist, formatVodPlaylist(listedSegments(await fs.readFile(playlist, 'utf8'))));
        }
        await completePart(folders);
      }
      return {
        folder: path.relative(out, folders.done),
        tracks: await Promise.all(
          tracks.map(async (audioTrack) => {
            const name = audioRenditionName(audioTrack);
            const playlist = await fs.readFile(path.join(folders.done, name, 'playlist.m3u8'), 'utf8');
            return { audioTrack, name, segments: listedSegments(playlist).length };
          }),
        ),
      };
    },
  );
}
