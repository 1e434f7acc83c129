/** A storyboard cue: from `start` to `end` (seconds) the video looks like the `width`×`height` cell at x,y of `sprite`. */
export interface StoryboardCue {
  start: number;
  end: number;
  sprite: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

const TIMING = /^((?:\d+:)?\d{1,2}:\d{2}\.\d{3})\s+-->\s+((?:\d+:)?\d{1,2}:\d{2}\.\d{3})/;
const CELL = /^(.+)#xywh=(\d+),(\d+),(\d+),(\d+)$/;

/** WebVTT timestamp (`hh:mm:ss.ttt` or `mm:ss.ttt`) in seconds. */
export function vttSeconds(stamp: string): number {
  return stamp.split(':').reduce((total, part) => total * 60 + Number(part), 0);
}

/**
 * The cues of a storyboard VTT (each a timing line, then `sprite.jpg#xywh=x,y,w,h`), sprite paths resolved against
 * `baseUrl`. Lines that are not such cues are skipped, so a header, notes or a stray line cost nothing.
 */
export function parseStoryboard(vtt: string, baseUrl: string): StoryboardCue[] {
  const lines = vtt.split(/\r?\n/);
  const cues: StoryboardCue[] = [];
  for (let index = 0; index < lines.length; index += 1) {
    const timing = TIMING.exec(lines[index]!.trim());
    const cell = timing ? CELL.exec((lines[index + 1] ?? '').trim()) : null;
    if (!timing || !cell) continue;
    cues.push({
      start: vttSeconds(timing[1]!),
      end: vttSeconds(timing[2]!),
      sprite: new URL(cell[1]!, baseUrl).href,
      x: Number(cell[2]),
      y: Number(cell[3]),
      width: Number(cell[4]),
      height: Number(cell[5]),
    });
  }
  return cues;
}

/** The cue showing `seconds`, or the nearest one before it (the last cue holds to the end). */
export function cueAt(cues: readonly StoryboardCue[], seconds: number): StoryboardCue | null {
  let found: StoryboardCue | null = null;
  for (const cue of cues) {
    if (cue.start <= seconds) found = cue;
    else break;
  }
  return found ?? cues[0] ?? null;
}
