import type { VideoInfo } from './probe';

export interface Rendition {
  /** e.g. "720p"; also the rendition's folder name. */
  name: string;
  width: number;
  height: number;
  videoKbps: number;
  audioKbps: number;
}

/** The default HLS ladder, tallest first, with bitrates for H.264 at typical web quality. */
export const DEFAULT_LADDER: readonly { height: number; videoKbps: number }[] = [
  { height: 1080, videoKbps: 5000 },
  { height: 720, videoKbps: 2800 },
  { height: 480, videoKbps: 1400 },
  { height: 360, videoKbps: 800 },
  { height: 240, videoKbps: 400 },
];

export const HLS_SEGMENT_SECONDS = 4;

const AUDIO_KBPS = 128;

/**
 * The renditions to make of a video: the requested heights (or the default ladder), never taller than the source —
 * no upscaling; a source shorter than every rung still gets one rendition at its own height. Widths keep the
 * display aspect ratio and are even, as H.264 with 4:2:0 requires.
 */
export function planLadder(
  info: Pick<VideoInfo, 'width' | 'height'>,
  requestedHeights?: readonly number[],
): Rendition[] {
  const sourceHeight = even(info.height);
  const wanted =
    requestedHeights && requestedHeights.length > 0 ? requestedHeights : DEFAULT_LADDER.map((rung) => rung.height);
  // Rounded to even before de-duplicating: 359 and 360 are one rendition, not two folders named 360p.
  let heights = [...new Set(wanted.map(even))].filter((height) => height <= sourceHeight).sort((a, b) => b - a);
  if (heights.length === 0) heights = [sourceHeight];
  return heights.map((h) => {
    const width = even((info.width * h) / info.height);
    return {
      name: `${h}p`,
      width,
      height: h,
      videoKbps: bitrateFor(h, width),
      audioKbps: AUDIO_KBPS,
    };
  });
}

/** Bitrate of the nearest default rung, scaled by pixel count for sizes between rungs. */
function bitrateFor(height: number, width: number): number {
  const rung = DEFAULT_LADDER.reduce((best, candidate) =>
    Math.abs(candidate.height - height) < Math.abs(best.height - height) ? candidate : best,
  );
  const rungPixels = ((rung.height * 16) / 9) * rung.height;
  return Math.max(150, Math.round((rung.videoKbps * (width * height)) / rungPixels / 50) * 50);
}

function even(value: number): number {
  return Math.max(2, Math.round(value / 2) * 2);
}
