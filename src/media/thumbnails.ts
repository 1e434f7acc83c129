import path from 'node:path';
import { toneMapToSdr } from './tone-map';
import { inputArgs } from './input-args';

export const THUMB_WIDTH = 160;
export const SPRITE_COLUMNS = 10;
export const SPRITE_ROWS = 10;

export interface StoryboardPlan {
  /** Seconds between two thumbnails. */
  intervalSeconds: number;
  count: number;
  thumbWidth: number;
  thumbHeight: number;
  sprites: number;
}

/** About 100 thumbnails whatever the length, at least one second apart. */
export function planStoryboard(durationSeconds: number, width: number, height: number): StoryboardPlan {
  const intervalSeconds = Math.max(1, Math.ceil(durationSeconds / 100));
  const count = Math.max(1, Math.ceil(durationSeconds / intervalSeconds));
  const thumbHeight = Math.max(2, Math.round((THUMB_WIDTH * height) / width / 2) * 2);
  return {
    intervalSeconds,
    count,
    thumbWidth: THUMB_WIDTH,
    thumbHeight,
    sprites: Math.ceil(count / (SPRITE_COLUMNS * SPRITE_ROWS)),
  };
}

export const POSTER_MAX_WIDTH = 1280;

/**
 * The poster: one frame a tenth of the way in (past black openings), at the display shape (square pixels, upright)
 * and at most 1280 wide.
 */
export function buildPosterArgs(
  sourcePath: string,
  outDir: string,
  video: { durationSeconds: number; width: number; height: number; hdr?: boolean; colorTransfer?: string | null },
): string[] {
  const { durationSeconds } = video;
  const width = Math.min(video.width, POSTER_MAX_WIDTH);
  const height = Math.max(2, Math.round((width * video.height) / video.width / 2) * 2);
  return [
    ...inputArgs(sourcePath, {
      durationSeconds,
      seekSeconds: Math.min(durationSeconds * 0.1, Math.max(durationSeconds - 0.1, 0)),
    }),
    '-frames:v',
    '1',
    '-vf',
    `${video.hdr === true ? `${toneMapToSdr(video.colorTransfer)},` : ''}scale=${width}:${height},setsar=1`,
    '-q:v',
    '3',
    '-y',
    path.join(outDir, 'poster.jpg'),
  ];
}

/** Storyboard sprites: one thumbnail every `intervalSeconds`, tiled 10×10 per JPEG; `durationSeconds` as probed. */
export function buildStoryboardArgs(
  sourcePath: string,
  outDir: string,
  plan: StoryboardPlan,
  durationSeconds: number,
  hdr: { hdr?: boolean; colorTransfer?: string | null } = {},
): string[] {
  return [
    ...inputArgs(sourcePath, { durationSeconds, preview: true }),
    '-an',
    '-vf',
    `fps=1/${plan.intervalSeconds},${hdr.hdr === true ? `${toneMapToSdr(hdr.colorTransfer)},` : ''}scale=${plan.thumbWidth}:${plan.thumbHeight},setsar=1,tile=${SPRITE_COLUMNS}x${SPRITE_ROWS}`,
    '-frames:v',
    String(plan.sprites),
    '-q:v',
    '5',
    '-y',
    path.join(outDir, 'storyboard_%03d.jpg'),
  ];
}

/** WebVTT that maps each interval of the video to its cell in a sprite (`storyboard_001.jpg#xywh=x,y,w,h`). */
export function buildStoryboardVtt(plan: StoryboardPlan, durationSeconds: number): string {
  const perSprite = SPRITE_COLUMNS * SPRITE_ROWS;
  const cues: string[] = ['WEBVTT', ''];
  for (let i = 0; i < plan.count; i += 1) {
    const start = i * plan.intervalSeconds;
    const end = Math.min((i + 1) * plan.intervalSeconds, durationSeconds);
    if (end <= start) break;
    const cell = i % perSprite;
    const sprite = `storyboard_${String(Math.floor(i / perSprite) + 1).padStart(3, '0')}.jpg`;
    const x = (cell % SPRITE_COLUMNS) * plan.thumbWidth;
    const y = Math.floor(cell / SPRITE_COLUMNS) * plan.thumbHeight;
    cues.push(
      `${vttTime(start)} --> ${vttTime(end)}`,
      `${sprite}#xywh=${x},${y},${plan.thumbWidth},${plan.thumbHeight}`,
      '',
    );
  }
  return cues.join('\n');
}

function vttTime(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${pad(h)}:${pad(m)}:${pad(s)}.${String(ms % 1000).padStart(3, '0')}`;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
