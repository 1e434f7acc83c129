import { Context } from '@temporalio/activity';
import { createProgressParser, progressFraction } from '../media/ffmpeg-progress';
import { sourceOverrun } from '../media/media-limits';
import { runTool, type RunResult } from '../media/runner';

export interface FfmpegStepOptions {
  /** Media seconds the command will write, to turn `out_time` into a fraction. */
  durationSeconds: number;
  /**
   * The source's probed duration, for commands whose `out_time` follows the source's own time (transcode, audio,
   * scenes): past `durationSeconds` + half the input margin, ffmpeg is killed and the step fails as InvalidMedia,
   * since the file holds more than its container declares and the input bound would otherwise cut it silently.
   * Left out where `out_time` means something else: the poster writes one frame, and a storyboard sprite is
   * stamped with the length of all its thumbnails (100 s of `out_time` for a 10-s video).
   */
  declaredSourceSeconds?: number;
  onFraction: (fraction: number) => void;
  onStderr?: (chunk: string) => void;
  /** Fraction range this command covers within its step, for steps made of several commands. */
  range?: [number, number];
}

const STALL_TIMEOUT_MS = 120_000;

/** Runs one ffmpeg command for the current activity: progress from `-progress`, killed when the activity is cancelled. */
export function runFfmpegStep(ffmpegPath: string, args: string[], options: FfmpegStepOptions): Promise<RunResult> {
  const { declaredSourceSeconds } = options;
  const [from, to] = options.range ?? [0, 1];
  let last = from;
  // Aborted with the MediaError itself: the runner kills the process group and rejects with the abort's reason.
  const overrun = new AbortController();
  // Every block reports, even one without a position yet (encoders warming up): it is the heartbeat that tells
  // Temporal this worker is alive.
  const parse = createProgressParser((block) => {
    if (overrun.signal.aborted) return;
    if (declaredSourceSeconds !== undefined) {
      const error = sourceOverrun(block.outTimeSeconds, options.durationSeconds, declaredSourceSeconds);
      if (error !== null) {
        overrun.abort(error);
        return;
      }
    }
    const fraction = progressFraction(block, options.durationSeconds);
    if (fraction !== null) last = Math.max(last, from + (to - from) * fraction);
    options.onFraction(last);
  });
  return runTool(ffmpegPath, args, {
    signal: AbortSignal.any([Context.current().cancellationSignal, overrun.signal]),
    // ffmpeg reports twice a second; two minutes of silence is a hung process, whose slot we want back.
    idleTimeoutMs: STALL_TIMEOUT_MS,
    onStdout: parse,
    ...(options.onStderr ? { onStderr: options.onStderr } : {}),
  });
}
