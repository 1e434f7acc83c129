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
 * Scene detection with `scdet` on a small copy of the picture (scores barely change with size, cost does). scdet
 * lets every frame through — unlike `select`, which would stall `-progress` (and so the heartbeats) between cuts —
 * and logs each cut on stderr: "[scdet @ …] lavfi.scd.score: 29.083, lavfi.scd.time: 2".
 */
export function buildScenesArgs(sourcePath: string, threshold = SCENE_THRESHOLD): string[] {
  return [
    ...inputArgs(sourcePath, { logLevel: 'info', preview: true }),
    '-an',
    '-sn',
    '-vf',
    `scale=320:-2,scdet=threshold=${threshold}`,
    '-f',
    'null',
    '-',
  ];
}

/** Creates a line parser for scdet's log; feed it stderr chunks, `cuts()` returns the cuts (score 0..1) in time order. */
export function createSceneParser(): { push: (chunk: string) => void; cuts: () => SceneCut[] } {
  const found: SceneCut[] = [];
  let pending = '';
  return {
    push(chunk) {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      if (pending.length > 4096) pending = '';
      for (const line of lines) {
        const match = /lavfi\.scd\.score:\s*([\d.]+),\s*lavfi\.scd\.time:\s*(-?[\d.]+)/.exec(line);
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
