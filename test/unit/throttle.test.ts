import { ProgressThrottle, RunProgress, stepWeights } from '../../src/progress';

/** Feeds a step's progress as ffmpeg would (one block every half second of wall time) and counts the signals. */
function signalsFor(stepSeconds: number): number {
  const throttle = new ProgressThrottle();
  let signals = 0;
  const blocks = stepSeconds * 2;
  for (let i = 1; i <= blocks; i += 1) {
    const now = i * 500;
    throttle.offer('transcode', i / blocks, 0.9);
    if (throttle.dueIn(now) === 0) {
      throttle.take(now);
      signals += 1;
    }
  }
  return signals;
}

describe('ProgressThrottle', () => {
  it("bounds a step's signals by its progress, not its length", () => {
    // share 0.9 / minOverallDelta 0.015 = 60 signals at most, for a minute as for an hour.
    const bound = Math.ceil(0.9 / 0.015) + 1;
    const minute = signalsFor(60);
    const tenMinutes = signalsFor(600);
    const hour = signalsFor(3600);
    expect(minute).toBeLessThanOrEqual(bound);
    expect(hour).toBeLessThanOrEqual(bound);
    // Past the point where the 1 s minimum interval binds, length changes nothing.
    expect(Math.abs(hour - tenMinutes)).toBeLessThanOrEqual(1);
  });

  it('waits for the overall fraction to move enough', () => {
    const throttle = new ProgressThrottle(0.015, 1000);
    throttle.offer('scenes', 0.1, 0.1);
    expect(throttle.dueIn(5000)).toBe(Infinity);
    throttle.offer('scenes', 0.2, 0.1);
    expect(throttle.dueIn(5000)).toBe(0);
  });

  it('coalesces steps running side by side into one flush', () => {
    const throttle = new ProgressThrottle(0.015, 1000);
    throttle.offer('scenes', 0.1, 0.1);
    throttle.offer('audio', 0.1, 0.1);
    expect(throttle.dueIn(2000)).toBe(0);
    expect(throttle.take(2000).map((entry) => entry.step)).toEqual(['scenes', 'audio']);
    expect(throttle.take(2001)).toEqual([]);
  });

  it('keeps at least the minimum interval between two signals', () => {
    const throttle = new ProgressThrottle(0.01, 1000);
    throttle.offer('transcode', 0.5, 1);
    throttle.take(10_000);
    throttle.offer('transcode', 0.9, 1);
    expect(throttle.dueIn(10_400)).toBe(600);
  });
});

describe('stepWeights', () => {
  it('weighs transcode by duration × rendition pixels and the rest by duration', () => {
    const short = stepWeights({ durationSeconds: 10, renditionPixels: 1280 * 720, hasAudio: true });
    const long = stepWeights({ durationSeconds: 100, renditionPixels: 1280 * 720, hasAudio: true });
    const wide = stepWeights({ durationSeconds: 10, renditionPixels: 4 * 1280 * 720, hasAudio: true });
    expect(long.transcode / short.transcode).toBeGreaterThan(8);
    expect(wide.transcode / short.transcode).toBeGreaterThan(3);
    expect(long.scenes / short.scenes).toBeGreaterThan(7);
    expect(stepWeights({ durationSeconds: 10, renditionPixels: 1, hasAudio: false }).audio).toBe(0);
  });

  it('never lets the overall percentage drop when the probe reweighs the steps', () => {
    const progress = new RunProgress('v', 'run-1', ['probe', 'transcode', 'publish'], '2026-01-01T00:00:00.000Z');
    progress.start('probe', '2026-01-01T00:00:01.000Z');
    progress.complete('probe', '2026-01-01T00:00:02.000Z');
    const before = progress.overall;
    expect(before).toBeGreaterThan(0);
    progress.reweigh(stepWeights({ durationSeconds: 3600, renditionPixels: 1920 * 1080 * 2, hasAudio: true }), 'x');
    expect(progress.overall).toBeGreaterThanOrEqual(before);
  });
});

describe('ProgressThrottle.resumeFrom', () => {
  it('spends no signals climbing back to what an earlier attempt reported', () => {
    const throttle = new ProgressThrottle(0.015, 0);
    throttle.resumeFrom('transcode', 0.6);
    throttle.offer('transcode', 0.3, 1);
    expect(throttle.dueIn(0)).toBe(Infinity);
    throttle.offer('transcode', 0.62, 1);
    expect(throttle.dueIn(0)).toBe(0);
    expect(throttle.take(0)).toEqual([{ step: 'transcode', fraction: 0.62 }]);
  });
});
