/** One block of ffmpeg's `-progress` output, reduced to what progress reporting needs. */
export interface FfmpegProgress {
  /** Media time written so far, in seconds; null when ffmpeg has not said yet. */
  outTimeSeconds: number | null;
  frame: number | null;
  /** True on the last block (`progress=end`). */
  done: boolean;
}

/**
 * Parses ffmpeg's `-progress` stream: `key=value` lines, each block closed by `progress=continue|end`. Feed it
 * chunks as they arrive (they may split lines anywhere); it calls `onBlock` once per complete block. Garbage lines
 * are ignored: this reads a tool's output, it must never throw on it.
 */
export function createProgressParser(onBlock: (progress: FfmpegProgress) => void): (chunk: string) => void {
  let pending = '';
  let block: Record<string, string> = {};
  return (chunk) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    if (pending.length > 4096) pending = '';
    for (const line of lines) {
      const index = line.indexOf('=');
      if (index <= 0) continue;
      const key = line.slice(0, index).trim();
      const value = line.slice(index + 1).trim();
      if (key !== 'progress') {
        block[key] = value;
        continue;
      }
      onBlock(toProgress(block, value === 'end'));
      block = {};
    }
  };
}

function toProgress(block: Record<string, string>, done: boolean): FfmpegProgress {
  // out_time_us and out_time_ms are both microseconds (the latter is misnamed in ffmpeg); out_time is HH:MM:SS.us.
  const micros = finiteNonNegative(block['out_time_us']) ?? finiteNonNegative(block['out_time_ms']);
  const outTimeSeconds = micros !== null ? micros / 1e6 : parseClock(block['out_time']);
  return { outTimeSeconds, frame: finiteNonNegative(block['frame']), done };
}

function finiteNonNegative(value: string | undefined): number | null {
  if (value === undefined || value === '' || value === 'N/A') return null;
  const number = Number(value);
  return Number.isFinite(number) && number >= 0 ? number : null;
}

function parseClock(value: string | undefined): number | null {
  const match = /^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(value ?? '');
  if (!match) return null;
  return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}

/** Fraction done of a job over `durationSeconds` of media, clamped to [0, 1]. */
export function progressFraction(progress: FfmpegProgress, durationSeconds: number): number | null {
  if (progress.done) return 1;
  if (progress.outTimeSeconds === null || !(durationSeconds > 0)) return null;
  return Math.min(Math.max(progress.outTimeSeconds / durationSeconds, 0), 1);
}
