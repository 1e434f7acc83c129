import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { buildAudioArgs, createPeakAccumulator, parseLoudnessSummary, type Loudness } from '../media/audio';
import type { ActivityDeps } from './deps';
import { runFfmpegStep } from './ffmpeg-step';
import type { ProgressReporter } from './reporter';
import { mediaStep } from './media-step';
import type { MediaStepInput, SkippedOutcome } from './step-input';

export interface AudioOutcome {
  skipped: false;
  file: string;
  loudness: Loudness | null;
  waveform: string;
}

const WAVEFORM_BUCKETS = 1000;

/** AAC audio, EBU R128 loudness and waveform peaks in one pass; skipped when the video has no audio. */
export function createAudio(deps: ActivityDeps, track: ProgressReporter) {
  const audioStep = mediaStep(
    deps,
    track,
    'audio',
    async ({ info }: MediaStepInput, { source, out, tracker }): Promise<AudioOutcome> => {
      const { update } = tracker;
      let stderr = '';
      await runFfmpegStep(deps.ffmpegPath, buildAudioArgs(source, out, info.durationSeconds, info.audioTrack), {
        durationSeconds: info.durationSeconds,
        declaredSourceSeconds: info.durationSeconds,
        onFraction: (fraction) => update(fraction * 0.97),
        // Only the end matters (ebur128's summary); keep a bounded tail.
        onStderr: (chunk) => (stderr = (stderr + chunk).slice(-8192)),
      });
      const loudness = parseLoudnessSummary(stderr);
      const pcmPath = path.join(out, 'waveform.pcm');
      const peaks = await streamPeaks(pcmPath, WAVEFORM_BUCKETS);
      await fs.rm(pcmPath, { force: true });
      await fs.writeFile(path.join(out, 'waveform.json'), JSON.stringify({ buckets: peaks.length, peaks }));
      await fs.writeFile(path.join(out, 'audio.json'), JSON.stringify({ loudness }, null, 2));
      return { skipped: false, file: 'audio.m4a', loudness, waveform: 'waveform.json' };
    },
  );
  return async function audio(input: MediaStepInput): Promise<AudioOutcome | SkippedOutcome> {
    if (!input.info.hasAudio) return { skipped: true, reason: 'the video has no audio stream' };
    return audioStep(input);
  };
}

/** The waveform's peaks, read through in chunks: the PCM of a long video is not held in memory. */
async function streamPeaks(pcmPath: string, buckets: number): Promise<number[]> {
  const { size } = await fs.stat(pcmPath);
  const accumulator = createPeakAccumulator(Math.floor(size / 2), buckets);
  for await (const chunk of createReadStream(pcmPath)) accumulator.push(chunk as Buffer);
  return accumulator.peaks();
}
