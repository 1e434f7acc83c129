import type { StepName } from './steps';

export interface CostInputs {
  durationSeconds: number;
  /** Σ width × height over the renditions to encode. */
  renditionPixels: number;
  hasAudio: boolean;
}

const REFERENCE_PIXELS = 1280 * 720;

/**
 * Each step's expected cost in comparable units (≈ seconds of one core on a 720p reference): transcode grows with
 * duration × Σ rendition pixels, the other media steps with duration only; probe and publish are near constant.
 * Only the ratios matter: overall = Σ wᵢ·pᵢ / Σ wᵢ.
 */
export function stepWeights({ durationSeconds, renditionPixels, hasAudio }: CostInputs): Record<StepName, number> {
  const duration = Math.max(durationSeconds, 0.1);
  return {
    probe: 0.5,
    thumbnails: 0.4 + duration * 0.05,
    transcode: 1 + duration * (renditionPixels / REFERENCE_PIXELS) * 0.8,
    audio: hasAudio ? 0.3 + duration * 0.03 : 0,
    scenes: 0.4 + duration * 0.1,
    publish: 0.2,
  };
}

/**
 * The weights of the transcode's parts, in the units above: each chunk by its seconds and the renditions' pixels,
 * then the audio rendition (when there is one), which costs about what the audio step does.
 */
export function transcodePartWeights(
  chunkSeconds: readonly number[],
  { renditionPixels, hasAudio, durationSeconds }: CostInputs,
): number[] {
  const chunks = chunkSeconds.map((seconds) => 0.1 + Math.max(0, seconds) * (renditionPixels / REFERENCE_PIXELS) * 0.8);
  return hasAudio ? [...chunks, 0.1 + Math.max(0, durationSeconds) * 0.03] : chunks;
}
