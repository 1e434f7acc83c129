import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { buildHlsLadderArgs, outputFrameRate, segmentStartSeconds } from '../media/hls';
import { onTheClock, resumeSegment } from '../media/hls-playlist';
import { HLS_SEGMENT_SECONDS } from '../media/ladder';
import type { ActivityDeps } from './deps';
import { runFfmpegStep } from './ffmpeg-step';
import { mediaStep } from './media-step';
import type { ProgressReporter } from './reporter';
import type { TranscodeInput } from './step-input';
import {
  checkpointFrom,
  finishRendition,
  listedWhole,
  prepareRendition,
  verifiedOnDisk,
  type TranscodeCheckpoint,
  type TranscodeResume,
} from './transcode-resume';

export interface TranscodeOutcome {
  master: string;
  renditions: { name: string; width: number; height: number; playlist: string; segments: number }[];
  /** Where attempts after a crash picked the encode up; empty when one attempt did it all. */
  resumes: TranscodeResume[];
}

/** How often a running encode looks at its playlists for newly finished segments to checkpoint. */
const CHECKPOINT_EVERY_MS = 1_000;

/**
 * The HLS VOD ladder: master.m3u8 + one playlist and its segments per rendition, decoded once and split. A retry
 * after a crash resumes at the first segment some rendition lacks: the heartbeat carries the checkpoint, the disk is
 * checked before anything is kept, and only the rest is encoded.
 */
export function createTranscode(deps: ActivityDeps, track: ProgressReporter) {
  return mediaStep(
    deps,
    track,
    'transcode',
    async ({ videoId, info, renditions }: TranscodeInput, { source, out, tracker }): Promise<TranscodeOutcome> => {
      const { update, checkpoint, announce, previousDetails, attempt } = tracker;
      const dirs = renditions.map((rendition) => path.join(out, rendition.name));
      const claimed = checkpointFrom(previousDetails);

      // The disk is the truth: a heartbeat lags the encode by up to its throttle, and the folder may have been lost
      // (another machine without the shared mount). Segments finished after the last heartbeat count too.
      const fps = outputFrameRate(info.frameRate);
      const startOf = (index: number) => segmentStartSeconds(index, fps);
      const kept =
        attempt > 1
          ? (await Promise.all(dirs.map((dir) => verifiedOnDisk(dir)))).map((segments) =>
              onTheClock(segments, startOf, fps === null ? 0.05 : 0.5 / fps),
            )
          : dirs.map(() => []);
      const start = resumeSegment(
        kept.map((segments) => segments.length),
        info.durationSeconds,
        HLS_SEGMENT_SECONDS,
      );
      const resumes = [...(claimed?.resumes ?? [])];
      if (start > 0) resumes.push({ attempt, segment: start, seconds: startOf(start) });
      if (start === 0) await fs.rm(path.join(out, 'master.m3u8'), { force: true });
      await Promise.all(dirs.map((dir, i) => prepareRendition(dir, kept[i] ?? [], start)));

      const startSeconds = startOf(start);
      const from = info.durationSeconds > 0 ? Math.min(1, startSeconds / info.durationSeconds) : 0;
      let point: TranscodeCheckpoint = { segments: start, resumes };
      checkpoint(point);
      if (start > 0) {
        Context.current().log.info('transcode resumes after an interrupted attempt', {
          videoId,
          attempt,
          segment: start,
          seconds: startSeconds,
          checkpointed: claimed?.segments ?? 0,
        });
        announce(`resumed at ${startSeconds} s (segment ${start}): the segments before it were kept`, from);
      }

      let lastLook = Date.now();
      const look: { running: Promise<void> | null } = { running: null };
      const lookForFinishedSegments = () => {
        if (look.running !== null || Date.now() - lastLook < CHECKPOINT_EVERY_MS) return;
        lastLook = Date.now();
        look.running = Promise.all(dirs.map((dir) => listedWhole(dir)))
          .then((listed) => {
            const segments = Math.min(...listed.map((whole) => whole.length));
            if (segments > point.segments) {
              point = { segments, resumes };
              checkpoint(point);
            }
          })
          // A checkpoint is an optimisation: a failed look only means a retry checks more of the disk itself.
          .catch(() => undefined)
          .finally(() => {
            look.running = null;
          });
      };

      await runFfmpegStep(
        deps.ffmpegPath,
        buildHlsLadderArgs({
          sourcePath: source,
          durationSeconds: info.durationSeconds,
          outDir: out,
          renditions,
          hasAudio: info.hasAudio,
          deinterlace: info.interlaced,
          threads: deps.cores ?? 1,
          startSegment: start,
          frameRate: info.frameRate,
          ...(info.audioTrack === undefined ? {} : { audioTrack: info.audioTrack }),
          hdr: info.hdr === true,
          colorTransfer: info.colorTransfer ?? null,
        }),
        {
          durationSeconds: Math.max(0, info.durationSeconds - startSeconds),
          // out_time counts from the resume point, as durationSeconds does.
          declaredSourceSeconds: info.durationSeconds,
          range: [from, 1],
          onFraction: (fraction) => {
            update(fraction);
            lookForFinishedSegments();
          },
        },
      );
      await look.running;
      const made = await Promise.all(
        renditions.map(async (rendition) => ({
          name: rendition.name,
          width: rendition.width,
          height: rendition.height,
          playlist: `${rendition.name}/playlist.m3u8`,
          segments: await finishRendition(path.join(out, rendition.name), rendition),
        })),
      );
      return { master: 'master.m3u8', renditions: made, resumes };
    },
  );
}
