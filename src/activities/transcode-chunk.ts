import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import type { Chunk } from '../media/chunks';
import { buildHlsLadderArgs, outputFrameRate, segmentStartSeconds } from '../media/hls';
import { listedSegments, onTheClock, resumeSegment, segmentFileName } from '../media/hls-playlist';
import { HLS_SEGMENT_SECONDS, type Rendition } from '../media/ladder';
import { completePart, partFolders } from './chunk-folders';
import { exists } from './files';
import type { ActivityDeps } from './deps';
import { runFfmpegStep } from './ffmpeg-step';
import { mediaStep } from './media-step';
import type { ProgressReporter } from './reporter';
import type { TranscodeInput } from './step-input';
import { finishRendition, prepareRendition, verifiedOnDisk, type TranscodeResume } from './transcode-resume';

export interface ChunkInput extends TranscodeInput {
  chunk: Chunk;
  /** How many chunks the ladder has, for what the step says of a resume. */
  chunks: number;
}

export interface ChunkOutcome {
  index: number;
  first: number;
  /** Segments every rendition got from this chunk. */
  segments: number;
  /** Where attempts after a crash picked the chunk up; empty when one attempt did it all. */
  resumes: TranscodeResume[];
}

/**
 * One chunk of the HLS ladder — segments `first` to `end` of every rendition, video only, from one ffmpeg — on
 * whichever worker takes it. The segments, their timestamps and frame counts are those of an unchunked encode
 * (the same frame grid, the same clock). A retry after a crash resumes within the chunk from what an earlier
 * attempt left whole on disk (linked into its own folder); a chunk already finished by an earlier attempt whose
 * result was lost is not encoded again.
 */
export function createTranscodeChunk(deps: ActivityDeps, track: ProgressReporter) {
  return mediaStep(
    deps,
    track,
    'transcode',
    async ({ info, renditions, chunk, chunks }: ChunkInput, { source, out, tracker }): Promise<ChunkOutcome> => {
      const { update, announce, attempt } = tracker;
      const folders = partFolders(out, String(chunk.index), attempt);
      if (await exists(folders.done)) return outcomeOf(folders.done, renditions, chunk, []);

      const fps = outputFrameRate(info.frameRate);
      const startOf = (index: number) => segmentStartSeconds(index, fps);
      await fs.rm(folders.attempt, { recursive: true, force: true });
      const tolerance = fps === null ? 0.05 : 0.5 / fps;
      const kept =
        attempt > 1 ? await bestEarlierAttempt(await folders.earlier(), renditions, chunk, startOf, tolerance) : null;
      const start = resumePoint(kept?.segments ?? 0, chunk, info.durationSeconds);
      const resumes: TranscodeResume[] = [];
      await Promise.all(
        renditions.map(async (rendition) => {
          const dir = path.join(folders.attempt, rendition.name);
          await fs.mkdir(dir, { recursive: true });
          if (kept === null || start === chunk.first) return;
          for (let index = chunk.first; index < start; index += 1) {
            // A heartbeat per segment: where links are not possible, copying a long chunk's outlasts the timeout.
            update(0);
            await linkOrCopy(
              path.join(kept.folder, rendition.name, segmentFileName(index)),
              path.join(dir, segmentFileName(index)),
            );
          }
          await prepareRendition(dir, kept.listed.get(rendition.name) ?? [], start, chunk.first);
        }),
      );

      const chunkStart = startOf(chunk.first);
      const chunkEnd = chunk.end === null ? info.durationSeconds : Math.min(info.durationSeconds, startOf(chunk.end));
      const span = Math.max(1e-6, chunkEnd - chunkStart);
      const from = Math.min(1, Math.max(0, (startOf(start) - chunkStart) / span));
      if (start > chunk.first) {
        const seconds = startOf(start);
        resumes.push({ attempt, segment: start, seconds });
        Context.current().log.info('transcode chunk resumes after an interrupted attempt', {
          chunk: chunk.index,
          attempt,
          segment: start,
          seconds,
        });
        announce(
          `resumed at ${seconds} s (segment ${start}, chunk ${chunk.index + 1} of ${chunks}): the segments before it were kept`,
          from,
        );
      }

      await runFfmpegStep(
        deps.ffmpegPath,
        buildHlsLadderArgs({
          sourcePath: source,
          durationSeconds: info.durationSeconds,
          outDir: folders.attempt,
          renditions,
          hasAudio: false,
          deinterlace: info.interlaced,
          threads: deps.cores ?? 1,
          startSegment: start,
          endSegment: chunk.end,
          frameRate: info.frameRate,
          hdr: info.hdr === true,
          colorTransfer: info.colorTransfer ?? null,
        }),
        {
          durationSeconds: Math.max(0.001, chunkEnd - startOf(start)),
          declaredSourceSeconds: info.durationSeconds,
          range: [from, 1],
          onFraction: update,
        },
      );
      for (const rendition of renditions) {
        const segments = await finishRendition(path.join(folders.attempt, rendition.name), rendition, chunk.first);
        if (chunk.end !== null && segments !== chunk.end - chunk.first) {
          throw new Error(
            `chunk ${chunk.index}, rendition ${rendition.name}: ${segments} segments where ${chunk.end - chunk.first} were due`,
          );
        }
      }
      await fs.rm(path.join(folders.attempt, 'master.m3u8'), { force: true });
      await completePart(folders);
      return outcomeOf(folders.done, renditions, chunk, resumes);
    },
  );
}

/**
 * Where a retried chunk may start: after the segments an earlier attempt left whole, but with at least one
 * segment of the chunk (the last chunk: a second of media) still to encode, since the playlist's end is the new
 * ffmpeg's to write.
 */
function resumePoint(keptSegments: number, chunk: Chunk, durationSeconds: number): number {
  const reached = chunk.first + keptSegments;
  if (chunk.end !== null) return Math.max(chunk.first, Math.min(reached, chunk.end - 1));
  return Math.max(chunk.first, resumeSegment([reached], durationSeconds, HLS_SEGMENT_SECONDS));
}

/** The earlier attempt that left the most segments whole on every rendition, and those segments. */
async function bestEarlierAttempt(
  folders: readonly string[],
  renditions: readonly Rendition[],
  chunk: Chunk,
  startOf: (index: number) => number,
  tolerance: number,
) {
  let best: {
    folder: string;
    segments: number;
    listed: Map<string, Awaited<ReturnType<typeof verifiedOnDisk>>>;
  } | null = null;
  for (const folder of folders) {
    const listed = new Map<string, Awaited<ReturnType<typeof verifiedOnDisk>>>();
    for (const rendition of renditions) {
      const whole = await verifiedOnDisk(path.join(folder, rendition.name), chunk.first);
      const onClock = onTheClock(whole, startOf, tolerance);
      listed.set(rendition.name, chunk.end === null ? onClock : onClock.filter((s) => s.index < chunk.end!));
    }
    const segments = Math.min(...[...listed.values()].map((segments) => segments.length));
    if (best === null || segments > best.segments) best = { folder, segments, listed };
  }
  return best;
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  // A hard link costs nothing and shares no writer: the segment is closed (listed whole), and the earlier attempt's
  // ffmpeg, if it lives on, only ever creates new files.
  await fs.link(from, to).catch(() => fs.copyFile(from, to));
}

async function outcomeOf(
  done: string,
  renditions: readonly Rendition[],
  chunk: Chunk,
  resumes: TranscodeResume[],
): Promise<ChunkOutcome> {
  const first = renditions[0];
  const playlist = first === undefined ? '' : await fs.readFile(path.join(done, first.name, 'playlist.m3u8'), 'utf8');
  return { index: chunk.index, first: chunk.first, segments: listedSegments(playlist).length, resumes };
}
