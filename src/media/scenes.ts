import { inputArgs } from './input-args';

export interface SceneCut {
  /** Seconds from the start. */
  time: number;
  /** scdet's scene change score, scaled to 0..1. */
  score: number;
}

/** scdet's threshold, in its own 0–100 scale (its default). */
export const SCENE_THRESHOLD = 10;

/**
 * Scene detection with `scdet` on a small copy of the picture (scores barely change with size, cost does), scaled
 * with the fast bilinear scaler: nobody looks at this copy, and the scaler was a third of the step's CPU. scdet
 * lets every frame through — unlike `select`, which would stall `-progress` (and so the heartbeats) between cuts —
 * and logs each cut on stderr: "[scdet @ 0x…] lavfi.scd.score: 29.083, lavfi.scd.time: 2". No metadata or
 * chapters are copied to the (null) output, so its header, printed on the same stderr, holds nothing of the file's.
 */
export function buildScenesArgs(
  sourcePath: string,
  options: { durationSeconds: number; threshold?: number },
): string[] {
  const { durationSeconds, threshold = SCENE_THRESHOLD } = options;
  return [
    ...inputArgs(sourcePath, { durationSeconds, logLevel: 'info', preview: true }),
    '-an',
    '-sn',
    '-map_metadata',
    '-1',
    '-map_metadata:s',
    '-1',
    '-map_chapters',
    '-1',
    '-vf',
    `scale=320:-2:flags=fast_bilinear,scdet=threshold=${threshold}`,
    '-f',
    'null',
    '-',
  ];
}

/** One cut as scdet logs it: the whole line, from its own log prefix on. */
const SCDET_LINE =
  /^\[scdet @ 0x[0-9a-f]+\] lavfi\.scd\.score: (\d+(?:\.\d+)?), lavfi\.scd\.time: (-?\d+(?:\.\d+)?)\r?$/;

/** The line ffmpeg prints once it has described the input and before it decodes anything. */
const HEADER_END = 'Stream mapping:';

/**
 * Creates a line parser for scdet's log; feed it stderr chunks, `cuts()` returns the cuts (score 0..1) in time order.
 *
 * The same stderr carries the input's description, tags included, and a tag must not add cuts: only whole lines in
 * scdet's own format count, and only after the header. ffmpeg indents the continuation lines of a multi-line tag
 * value, but prints a tag's name as it is — a name holding a newline can start a line with anything, even
 * "[scdet @ 0x1] …". Such lines can only be in the header, so cuts are kept from the last header end on (a forged
 * "Stream mapping:" line is in the header too, before the real one).
 */
export function createSceneParser(): { push: (chunk: string) => void; cuts: () => SceneCut[] } {
  let found: SceneCut[] = [];
  let pastHeader = false;
  let pending = '';
  // A line too long to keep is dropped whole: its tail must not be read as a line of its own.
  let skipping = false;
  return {
    push(chunk) {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      if (skipping && lines.length > 0) {
        lines.shift();
        skipping = false;
      }
      if (pending.length > 4096) {
        pending = '';
        skipping = true;
      }
      for (const line of lines) {
        if (line === HEADER_END) {
          pastHeader = true;
          found = [];
          continue;
        }
        const match = pastHeader ? SCDET_LINE.exec(line) : null;
        if (!match) continue;
        const [score, time] = [Number(match[1]) / 100, Number(match[2])];
        if (Number.isFinite(score) && Number.isFinite(time)) {
          found.push({ time: Math.round(time * 1000) / 1000, score: Math.round(score * 1000) / 1000 });
        }
      }
    },
    cuts: () => [...found].sort((a, b) => a.time - b.time),
  };
}
