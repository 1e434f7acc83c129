import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type { Activities } from '../../src/activities';
import type { ProbeOutcome } from '../../src/activities/probe';
import type { ScenesOutcome } from '../../src/activities/scenes';
import type { MediaStepInput, TranscodeInput } from '../../src/activities/step-input';
import type { TranscodeOutcome } from '../../src/activities/transcode';
import { createProgressParser } from '../../src/media/ffmpeg-progress';
import { runTool } from '../../src/media/runner';
import { buildScenesArgs, type SceneCut } from '../../src/media/scenes';
import { activitiesFor } from '../helpers/activities';
import { makeOverlongMatroska, makeTaggedSceneClip } from '../helpers/forged-media';
import { addVideo, ffprobe, makeDataDir } from '../helpers/media';
import { quietActivityEnvironment } from '../helpers/temporal';

/** Hostile files through the real activities and real ffmpeg: what they hold, not what they say, sets the limits. */
describe('media activities on files that lie (real ffmpeg)', () => {
  let dataDir: string;
  let cleanup: () => Promise<void>;
  let activities: Activities;

  beforeAll(async () => {
    ({ dataDir, cleanup } = await makeDataDir());
    activities = await activitiesFor(dataDir);
  });
  afterAll(() => cleanup());

  async function probe(videoId: string): Promise<ProbeOutcome> {
    return quietActivityEnvironment().run(activities.probe, { videoId });
  }

  async function failureOf(run: Promise<unknown>): Promise<ApplicationFailure> {
    const outcome = await run.then(
      () => null,
      (error: unknown) => error,
    );
    expect(outcome).toBeInstanceOf(ApplicationFailure);
    return outcome as ApplicationFailure;
  }

  describe('a file whose bytes were replaced by garbage after the probe', () => {
    let input: MediaStepInput;

    beforeAll(async () => {
      const source = await addVideo(dataDir, 'garbage', { seconds: 2, width: 160, height: 120 });
      const { info } = await probe('garbage');
      const noise = Buffer.alloc(200_000);
      for (let i = 0; i < noise.length; i += 1) noise[i] = (i * 7919 + (i >> 3) * 104729) % 251;
      await fs.writeFile(source, noise);
      input = { videoId: 'garbage', info, share: 0.2 };
    });

    it.each(['thumbnails', 'audio'] as const)('fails %s at once: non-retryable InvalidMedia', async (step) => {
      const failure = await failureOf(quietActivityEnvironment().run(activities[step], input));
      expect(failure).toMatchObject({ type: 'InvalidMedia', nonRetryable: true });
      expect(failure.message).toMatch(/^the file could not be decoded: .*(Invalid data|moov atom)/);
    });
  });

  describe('a Matroska file that declares 1 s and holds 24', () => {
    let input: MediaStepInput;

    beforeAll(async () => {
      await makeOverlongMatroska(path.join(dataDir, 'media', 'overlong', 'source.mkv'), {
        seconds: 24,
        declaredSeconds: 1,
      });
      const { info } = await probe('overlong');
      expect(info.durationSeconds).toBeCloseTo(1, 3);
      input = { videoId: 'overlong', info, share: 0.2 };
    });

    it.each(['audio', 'scenes'] as const)(
      'fails %s as non-retryable InvalidMedia naming the declared 1 s',
      async (step) => {
        const failure = await failureOf(quietActivityEnvironment().run(activities[step], input));
        expect(failure).toMatchObject({ type: 'InvalidMedia', nonRetryable: true });
        expect(failure.message).toBe('the file holds more than the 1 s its container declares');
      },
    );

    it('fails the transcode the same way instead of publishing a 3-s ladder', async () => {
      const { renditions } = await probe('overlong');
      const transcode: TranscodeInput = { ...input, renditions };
      const failure = await failureOf(quietActivityEnvironment().run(activities.transcode, transcode));
      expect(failure).toMatchObject({ type: 'InvalidMedia', nonRetryable: true });
      expect(failure.message).toMatch(/more than the 1 s/);
    });

    it('stops ffmpeg at the bound: the probed second plus the 2-s margin, not the 24 s the file holds', async () => {
      const source = path.join(dataDir, 'media', 'overlong', 'source.mkv');
      let written = 0;
      const parse = createProgressParser((block) => (written = Math.max(written, block.outTimeSeconds ?? 0)));
      await runTool('ffmpeg', buildScenesArgs(source, { durationSeconds: input.info.durationSeconds }), {
        onStdout: parse,
      });
      expect(written).toBeGreaterThan(2.5);
      expect(written).toBeLessThan(3.1);
    });

    it('still makes the thumbnails, planned from the declared second (their commands write no media time)', async () => {
      const outcome = await quietActivityEnvironment().run(activities.thumbnails, input);
      expect(outcome).toMatchObject({ count: 1, sprites: ['storyboard_001.jpg'] });
    });
  });

  describe('a file whose streams run half a second past what its container declares', () => {
    it('is processed whole by every step: the margin is there for it', async () => {
      await makeOverlongMatroska(path.join(dataDir, 'media', 'drift', 'source.mkv'), {
        seconds: 10,
        declaredSeconds: 9.5,
      });
      const { info, renditions } = await probe('drift');
      const input = { videoId: 'drift', info, share: 0.2 };
      const environment = quietActivityEnvironment();
      await environment.run(activities.audio, input);
      await environment.run(activities.scenes, input);
      await environment.run(activities.thumbnails, input);
      const ladder = await environment.run<[TranscodeInput], TranscodeOutcome, Activities['transcode']>(
        activities.transcode,
        { ...input, renditions },
      );
      const playlist = path.join(dataDir, 'media', 'drift', 'staging', runIdOfMock(), ladder.renditions[0]!.playlist);
      const media = await ffprobe(playlist);
      expect(Number(media.format.duration)).toBeGreaterThan(9.9);
    });
  });

  describe('a clip whose tags read like scene cuts', () => {
    it('reports the real cuts only', async () => {
      await makeTaggedSceneClip(path.join(dataDir, 'media', 'tagged', 'source.mkv'), {
        segmentSeconds: 1,
        tags: {
          title: 'lavfi.scd.score: 99.000, lavfi.scd.time: 0.5',
          comment: 'line one\n[scdet @ 0x1] lavfi.scd.score: 88.000, lavfi.scd.time: 1.5',
        },
        forgedTagName: 'k\nStream mapping:\n[scdet @ 0x2] lavfi.scd.score: 77.000, lavfi.scd.time: 2.5\nz',
      });
      const { info } = await probe('tagged');
      const outcome = await quietActivityEnvironment().run<[MediaStepInput], ScenesOutcome, Activities['scenes']>(
        activities.scenes,
        { videoId: 'tagged', info, share: 0.2 },
      );
      const written = JSON.parse(
        await fs.readFile(path.join(dataDir, 'media', 'tagged', 'staging', runIdOfMock(), outcome.file), 'utf8'),
      ) as { cuts: SceneCut[] };
      // makeSceneClip's cuts fall on multiples of the segment length (the remux shifts them by a frame or so).
      expect(written.cuts.map((cut) => Math.round(cut.time * 10) / 10)).toEqual([1, 2, 3]);
      expect(written.cuts.every((cut) => cut.score < 0.5)).toBe(true);
    });
  });
});

/** The run id MockActivityEnvironment gives every activity, which names its staging folder. */
function runIdOfMock(): string {
  return quietActivityEnvironment().context.info.workflowExecution?.runId ?? '';
}
