import { MediaError } from './errors';

/**
 * How far past its probed duration a source may run. Real files often do a little — an audio stream a few hundred
 * ms longer than the video, a container duration rounded down, a last frame's own length — and none of that may be
 * cut. Two seconds covers it on short files; 5 % covers long ones, where such drift grows with the length.
 */
export const INPUT_MARGIN_MIN_SECONDS = 2;
export const INPUT_MARGIN_FRACTION = 0.05;

export function inputMarginSeconds(declaredSeconds: number): number {
  return Math.max(INPUT_MARGIN_MIN_SECONDS, declaredSeconds * INPUT_MARGIN_FRACTION);
}

/**
 * How many seconds ffmpeg may read from `seekSeconds` on: up to the probed duration plus the margin, in the media's
 * own time, so a file whose container declares 1 s but holds hours costs what 1 s costs, whatever its label says.
 */
export function inputBoundSeconds(declaredSeconds: number, seekSeconds = 0): number {
  if (!Number.isFinite(declaredSeconds) || declaredSeconds <= 0) {
    throw new Error(`the probed duration must be a positive number of seconds, not ${declaredSeconds}`);
  }
  return Math.max(0, declaredSeconds + inputMarginSeconds(declaredSeconds) - seekSeconds);
}

/**
 * The file holds more than its container declares, when a command that should write `expectedSeconds` of media has
 * written more than that plus half the margin: well before the input bound stops ffmpeg, so the overrun is caught
 * rather than published as output silently cut at the bound. Null while `outTimeSeconds` is within it.
 */
export function sourceOverrun(
  outTimeSeconds: number | null,
  expectedSeconds: number,
  declaredSeconds: number,
): MediaError | null {
  if (outTimeSeconds === null || outTimeSeconds <= expectedSeconds + inputMarginSeconds(declaredSeconds) / 2) {
    return null;
  }
  return new MediaError(
    'InvalidMedia',
    `the file holds more than the ${Number(declaredSeconds.toFixed(3))} s its container declares`,
  );
}
