import { inputArgs } from './input-args';

export interface SceneCut {
  /** Seconds from the start. */
  time: number;
  /** ffmpeg's scene change score, 0..1. */
  score: number;
}

export const SCENE_THRESHOLD = 0.3;

/**
 * Scene detection on a small copy of the picture (scores barely change with size, cost does): frames whose scene
 * score passes the threshold are printed by `metadata=print` on stderr.
 */
export function buildScenesArgs(sourcePath: string, threshold = SCENE_THRESHOLD): string[] {
  return [
    ...inputArgs(sourcePath, { logLevel: 'info' }),
    '-an',
    '-sn',
    '-vf',
    `scale=320:-2,select='gt(scene,${threshold})',metadata=print`,
    '-f',
    'null',
    '-',
  ];
}

/**
 * Creates a line parser for `metadata=print` output: "… pts_time:12.48" followed by "… lavfi.scene_score=0.75".
 * Feed it stderr chunks; `cuts()` returns what it found, in time order.
 */
export function createSceneParser(): { push: (chunk: string) => void; cuts: () => SceneCut[] } {
  const found: SceneCut[] = [];
  let pending = '';
  let time: number | null = null;
  return {
    push(chunk) {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      if (pending.length > 4096) pending = '';
      for (const line of lines) {
        const timeMatch = /pts_time:(-?[\d.]+)/.exec(line);
        if (timeMatch) {
          time = Number(timeMatch[1]);
          continue;
        }
        const scoreMatch = /lavfi\.scene_score=([\d.]+)/.exec(line);
        if (scoreMatch && time !== null && Number.isFinite(time)) {
          found.push({ time: Math.round(time * 1000) / 1000, score: Math.round(Number(scoreMatch[1]) * 1000) / 1000 });
          time = null;
        }
      }
    },
    cuts: () => [...found].sort((a, b) => a.time - b.time),
  };
}
