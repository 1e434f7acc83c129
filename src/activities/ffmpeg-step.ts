import { Context } from '@temporalio/activity';
import { createProgressParser, progressFraction } from '../media/ffmpeg-progress';
import { runTool, type RunResult } from '../media/runner';

export interface FfmpegStepOptions {
  /** Media seconds the command will write, to turn `out_time` into a fraction. */
  durationSeconds: number;
  onFraction: (fraction: number) => void;
  onStderr?: (chunk: string) => void;
  /** Fraction range this command covers within its step, for steps made of several commands. */
  range?: [number, number];
}

const STALL_TIMEOUT_MS = 120_000;

/** Runs one ffmpeg command for the current activity: progress from `-progress`, killed when the activity is cancelled. */
export function runFfmpegStep(ffmpegPath: string, args: string[], options: FfmpegStepOptions): Promise<RunResult> {
  const [from, to] = options.range ?? [0, 1];
  let last = from;
  // Every block reports, even one without a position yet (encoders warming up): it is the heartbeat that tells
  // Temporal this worker is alive.
  const parse = createProgressParser((block) => {
    const fraction = progressFraction(block, options.durationSeconds);
    if (fraction !== null) last = Math.max(last, from + (to - from) * fraction);
    options.onFraction(last);
  });
  return runTool(ffmpegPath, args, {
    signal: Context.current().cancellationSignal,
    // ffmpeg reports twice a second; two minutes of silence is a hung process, whose slot we want back.
    idleTimeoutMs: STALL_TIMEOUT_MS,
    onStdout: parse,
    ...(options.onStderr ? { onStderr: options.onStderr } : {}),
  });
}
