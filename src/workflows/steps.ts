import { CancellationScope, isCancellation, patched, setCurrentDetails } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { LadderOutcome } from '../activities/assemble-ladder';
import type { SkippedOutcome } from '../activities/step-input';
import type { Chunk } from '../media/chunks';
import type { Rendition } from '../media/ladder';
import type { VideoInfo } from '../media/probe';
import { toPercent, transcodePartWeights, type MediaStepName, type RunProgress, type StepName } from '../progress';
import { CHUNKED_TRANSCODE_PATCH, mediaActivities } from './activities';
import { describeFailure } from './failures';

/** What each media step returns, by step: the transcode's is the chunked ladder's, or (runs before it) the old one. */
export type MediaOutcomes = { [Step in MediaStepName]: Awaited<ReturnType<Activities[Step]>> } & {
  transcode: Awaited<ReturnType<Activities['transcode']>> | LadderOutcome;
};

/** What a media step is run with: the probe's findings, its share of the run, the queue of the media workers. */
export interface MediaRun {
  videoId: string;
  info: VideoInfo;
  renditions: Rendition[];
  /** The probe's plan of the ladder's chunks (none from an older worker: the whole ladder is one chunk). */
  chunks?: Chunk[];
  share: number;
  mediaTaskQueue?: string;
}

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
  run: MediaRun,
  progress: RunProgress,
): Promise<MediaOutcomes[Step]> {
  if (name === 'transcode' && patched(CHUNKED_TRANSCODE_PATCH)) {
    return transcodeInChunks(run, progress) as Promise<MediaOutcomes[Step]>;
  }
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

/**
 * The ladder as chunks side by side on any media workers, with the audio encoded once beside them, then put
 * together. The step's progress is its parts', by weight. One part failing after its retries stops the others (their
 * ffmpeg killed on every worker) before the step fails, so the run's cleanup never races an encode.
 */
async function transcodeInChunks(run: MediaRun, progress: RunProgress): Promise<LadderOutcome> {
  const { videoId, info, renditions } = run;
  const media = mediaActivities(run.mediaTaskQueue);
  const plan = run.chunks ?? [{ index: 0, first: 0, end: null, startSeconds: 0, seconds: info.durationSeconds }];
  const weights = transcodePartWeights(
    plan.map((chunk) => chunk.seconds),
    {
      durationSeconds: info.durationSeconds,
      renditionPixels: renditions.reduce((sum, r) => sum + r.width * r.height, 0),
      hasAudio: info.hasAudio,
    },
  );
  progress.divide('transcode', weights, now());
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const shareOf = (part: number) => (total > 0 ? (run.share * (weights[part] ?? 0)) / total : 0);
  const done =
    <T>(part: number) =>
    (outcome: T) => {
      progress.completePart('transcode', part, now());
      return outcome;
    };
  return CancellationScope.cancellable(async () => {
    const chunks = plan.map((chunk, part) =>
      media.transcodeChunk
        .executeWithOptions({ summary: `transcode ${videoId}, chunk ${part + 1} of ${plan.length}` }, [
          { videoId, info, renditions, chunk, chunks: plan.length, share: shareOf(part), part },
        ])
        .then(done(part)),
    );
    const audioPart = plan.length;
    const audio = info.hasAudio
      ? media.transcodeAudio
          .executeWithOptions({ summary: `transcode ${videoId}, audio` }, [
            { videoId, info, audioKbps: renditions[0]?.audioKbps ?? 128, share: shareOf(audioPart), part: audioPart },
          ])
          .then(done(audioPart))
      : Promise.resolve(null);
    const parts: Promise<unknown>[] = [...chunks, audio];
    try {
      await Promise.all(parts);
    } catch (error) {
      CancellationScope.current().cancel();
      await Promise.allSettled(parts);
      throw error;
    }
    // On the media queue, not local: it reads (and where chunks meet, rewrites) every segment, which for a long
    // video takes longer than a workflow task may.
    return media.assembleLadder.executeWithOptions({ summary: `assemble the ladder of ${videoId}` }, [
      { videoId, info, renditions, chunks: await Promise.all(chunks), audio: await audio },
    ]);
  });
}

function isSkipped(value: unknown): value is SkippedOutcome {
  return typeof value === 'object' && value !== null && (value as Partial<SkippedOutcome>).skipped === true;
}
