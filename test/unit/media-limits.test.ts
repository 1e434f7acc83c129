import { buildAudioArgs } from '../../src/media/audio';
import { buildHlsLadderArgs } from '../../src/media/hls';
import { inputArgs } from '../../src/media/input-args';
import { planLadder } from '../../src/media/ladder';
import {
  INPUT_MARGIN_FRACTION,
  INPUT_MARGIN_MIN_SECONDS,
  inputBoundSeconds,
  inputMarginSeconds,
  sourceOverrun,
} from '../../src/media/media-limits';
import { buildScenesArgs } from '../../src/media/scenes';
import { buildPosterArgs, buildStoryboardArgs, planStoryboard } from '../../src/media/thumbnails';

/** The input-side `-t`: the one before `-i`, as a number. */
function inputBound(args: string[]): number {
  const t = args.indexOf('-t');
  expect(t).toBeGreaterThan(-1);
  expect(t).toBeLessThan(args.indexOf('-i'));
  return Number(args[t + 1]);
}

describe('inputMarginSeconds', () => {
  it('is two seconds on short files and 5 % on long ones', () => {
    expect(INPUT_MARGIN_MIN_SECONDS).toBe(2);
    expect(INPUT_MARGIN_FRACTION).toBe(0.05);
    expect(inputMarginSeconds(1)).toBe(2);
    expect(inputMarginSeconds(40)).toBe(2);
    expect(inputMarginSeconds(3600)).toBe(180);
  });
});

describe('inputArgs', () => {
  it('bounds what ffmpeg reads to the probed duration plus the margin, as an input option', () => {
    expect(inputBound(inputArgs('/m/s.mp4', { durationSeconds: 1 }))).toBe(3);
    expect(inputBound(inputArgs('/m/s.mp4', { durationSeconds: 3600 }))).toBe(3780);
  });

  it('counts the bound from the seek, so it falls on the same media time', () => {
    const args = inputArgs('/m/s.mp4', { durationSeconds: 60, seekSeconds: 28 });
    expect(args[args.indexOf('-ss') + 1]).toBe('28.000');
    expect(inputBound(args)).toBe(35);
    expect(inputBoundSeconds(60, 28) + 28).toBe(63);
  });

  it('refuses a duration that is not a positive number', () => {
    expect(() => inputArgs('/m/s.mp4', { durationSeconds: Number.NaN })).toThrow(/positive/);
    expect(() => inputArgs('/m/s.mp4', { durationSeconds: 0 })).toThrow(/positive/);
  });
});

describe('every builder bounds its input by the probed duration', () => {
  const renditions = planLadder({ width: 1280, height: 720 }, [360]);
  const hls = { sourcePath: '/s', durationSeconds: 100, outDir: '/o', renditions, hasAudio: true };

  it('the ladder, fresh and resumed', () => {
    expect(inputBound(buildHlsLadderArgs(hls))).toBe(105);
    const resumed = buildHlsLadderArgs({ ...hls, startSegment: 5 });
    expect(Number(resumed[resumed.indexOf('-ss') + 1]) + inputBound(resumed)).toBeCloseTo(105, 3);
  });

  it('audio, scenes, storyboard and poster', () => {
    expect(inputBound(buildAudioArgs('/s', '/o', 100))).toBe(105);
    expect(inputBound(buildScenesArgs('/s', { durationSeconds: 100 }))).toBe(105);
    expect(inputBound(buildStoryboardArgs('/s', '/o', planStoryboard(100, 640, 360), 100))).toBe(105);
    const poster = buildPosterArgs('/s', '/o', { durationSeconds: 100, width: 640, height: 360 });
    expect(Number(poster[poster.indexOf('-ss') + 1]) + inputBound(poster)).toBeCloseTo(105, 3);
  });
});

describe('sourceOverrun', () => {
  it('lets a stream run up to half the margin past what the command should write', () => {
    expect(sourceOverrun(null, 10, 10)).toBeNull();
    expect(sourceOverrun(10.9, 10, 10)).toBeNull();
    expect(sourceOverrun(11, 10, 10)).toBeNull();
    // A resumed encode writes from its resume point on; the margin is still the whole file's.
    expect(sourceOverrun(3700 - 3000 + 90, 3700 - 3000, 3700)).toBeNull();
  });

  it('past that, refuses the file as InvalidMedia, naming the duration its container declares', () => {
    const error = sourceOverrun(2.04, 1, 1);
    expect(error).toMatchObject({ kind: 'InvalidMedia' });
    expect(error?.message).toBe('the file holds more than the 1 s its container declares');
    expect(sourceOverrun(3700 - 3000 + 93, 3700 - 3000, 3700)?.message).toMatch(/3700 s/);
  });
});
