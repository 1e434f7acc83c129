import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type { Activities } from '../../src/activities';
import type { TranscodeOutcome } from '../../src/activities/transcode';
import { listedSegments } from '../../src/media/hls-playlist';
import { stagingDir } from '../../src/media/layout';
import { activitiesFor } from '../helpers/activities';
import { eventually } from '../helpers/gate';
import { addVideo, ffmpegWritingInto, makeDataDir, videoFrames, videoStart } from '../helpers/media';

interface Heartbeat {
  fraction: number;
  resume?: { segments: number };
}

/**
 * A transcode interrupted mid-encode — its ffmpeg SIGKILLed as in a worker crash, or stopped with SIGTERM as in a
 * worker shutdown — and retried with the last heartbeat's details: the retry keeps what is whole, encodes the
 * rest, and the result has the structure of one uninterrupted encode.
 */
describe('transcode resumes after an interrupted attempt', () => {
  const videoId = 'resume-clip';
  let dataDir: string;
  let cleanup: () => Promise<void>;
  let activities: Activities;
  let input: Parameters<Activities['transcode']>[0];
  let reference: { outcome: TranscodeOutcome; dir: string };

  beforeAll(async () => {
    ({ dataDir, cleanup } = await makeDataDir());
    // NTSC's 30000/1001: segment boundaries fall between whole seconds (segment 2 starts at 8.008 s), which is where a
    // resume that seeks to 4·k s would go wrong.
    // 720p, so that an attempt is still encoding when the test interrupts it, on a fast machine too (at 320×180 a
    // resumed attempt could finish before its first checkpoint).
    await addVideo(dataDir, videoId, { seconds: 30, width: 1280, height: 720, fps: 30000 / 1001 });
    activities = await activitiesFor(dataDir);
    const probed = await run(environment('probe-run'), activities.probe, { videoId, renditions: [180, 120] });
    input = { videoId, info: probed.info, share: 0.5, renditions: probed.renditions };
    const outcome = await run(environment('reference-run'), activities.transcode, input);
    reference = { outcome, dir: stagingDir(dataDir, videoId, 'reference-run') };
  }, 120_000);

  afterAll(async () => {
    await cleanup();
  });

  /** `MockActivityEnvironment.run` with the activity's own types (its generic signature loses them). */
  function run<A extends unknown[], R>(env: MockActivityEnvironment, activity: (...args: A) => Promise<R>, ...args: A) {
    return env.run<A, R, typeof activity>(activity, ...args);
  }

  function environment(runId: string, info: { attempt?: number; heartbeatDetails?: unknown } = {}) {
    return new MockActivityEnvironment(
      { workflowExecution: { workflowId: videoId, runId }, heartbeatTimeoutMs: 10_000, ...info },
      { logger: new DefaultLogger('ERROR') },
    );
  }

  /** Runs an attempt until `segments` are checkpointed, then interrupts its ffmpeg with `signal`. */
  async function interruptedAttempt(
    runId: string,
    signal: NodeJS.Signals,
    from: { attempt?: number; heartbeatDetails?: unknown } = {},
    segments = 2,
  ) {
    const env = environment(runId, from);
    const heartbeats: Heartbeat[] = [];
    env.on('heartbeat', (details: Heartbeat) => heartbeats.push(details));
    const attempt = run(env, activities.transcode, input).then(
      () => 'finished',
      (error: unknown) => error,
    );
    const staging = stagingDir(dataDir, videoId, runId);
    await eventually(() => ((heartbeats.at(-1)?.resume?.segments ?? 0) >= segments ? true : undefined), 60_000);
    const killed = await killWriterOf(staging, signal);
    expect(await attempt).not.toBe('finished');
    // How far the encode had got when it was interrupted: the furthest position any heartbeat reported.
    const reached = Math.max(...heartbeats.map((h) => h.fraction)) * input.info.durationSeconds;
    return { heartbeats, killed, reached, staging };
  }

  it('after a crash (SIGKILL), keeps the whole segments and encodes only the rest', async () => {
    const { heartbeats, reached, staging } = await interruptedAttempt('crashed-run', 'SIGKILL');
    const last = heartbeats.at(-1);

    const retry = environment('crashed-run', { attempt: 2, heartbeatDetails: last });
    const retryBeats: Heartbeat[] = [];
    retry.on('heartbeat', (details: Heartbeat) => retryBeats.push(details));
    const outcome = await run(retry, activities.transcode, input);

    const [resume] = outcome.resumes;
    expect(outcome.resumes).toHaveLength(1);
    expect(resume?.attempt).toBe(2);
    // Kept at least what the heartbeat had checkpointed, and lost at most the segment being written at the kill.
    expect(resume?.segment).toBeGreaterThanOrEqual(last?.resume?.segments ?? Infinity);
    expect(resume?.seconds).toBeGreaterThanOrEqual(reached - 4 - 1);
    // Progress never goes back: the retry's heartbeats start from the highest fraction the crashed attempt reached.
    expect(retryBeats[0]?.fraction).toBeGreaterThanOrEqual(Math.max(...heartbeats.map((h) => h.fraction)));

    await expectSameStructure(staging, outcome);
  });

  it('after a stop (SIGTERM, ffmpeg closes its segment early), drops the cut segment and still matches', async () => {
    const { heartbeats, staging } = await interruptedAttempt('stopped-run', 'SIGTERM');
    const outcome = await run(
      environment('stopped-run', { attempt: 2, heartbeatDetails: heartbeats.at(-1) }),
      activities.transcode,
      input,
    );
    expect(outcome.resumes[0]?.segment).toBeGreaterThan(0);
    await expectSameStructure(staging, outcome);
  });

  it("resumes twice in one run: a resumed attempt crashed too, and the third keeps both attempts' segments", async () => {
    const first = await interruptedAttempt('twice-run', 'SIGKILL');
    const second = await interruptedAttempt(
      'twice-run',
      'SIGKILL',
      { attempt: 2, heartbeatDetails: first.heartbeats.at(-1) },
      4,
    );
    const outcome = await run(
      environment('twice-run', { attempt: 3, heartbeatDetails: second.heartbeats.at(-1) }),
      activities.transcode,
      input,
    );
    expect(outcome.resumes.map((r) => r.attempt)).toEqual([2, 3]);
    expect(outcome.resumes[1]?.segment).toBeGreaterThan(outcome.resumes[0]?.segment ?? Infinity);
    await expectSameStructure(second.staging, outcome);
  });

  it('starts over when the staging folder was lost, whatever the heartbeat claims', async () => {
    const { heartbeats, staging } = await interruptedAttempt('lost-run', 'SIGKILL');
    await fs.rm(staging, { recursive: true, force: true });
    const outcome = await run(
      environment('lost-run', { attempt: 2, heartbeatDetails: heartbeats.at(-1) }),
      activities.transcode,
      input,
    );
    expect(outcome.resumes).toEqual([]);
    await expectSameStructure(staging, outcome);
  });

  /** Same renditions, segment count and lengths, segment start times, frame count and files as the reference. */
  async function expectSameStructure(dir: string, outcome: TranscodeOutcome): Promise<void> {
    expect(outcome.renditions).toEqual(reference.outcome.renditions);
    expect(await fs.readFile(path.join(dir, 'master.m3u8'), 'utf8')).toBe(
      await fs.readFile(path.join(reference.dir, 'master.m3u8'), 'utf8'),
    );
    for (const rendition of outcome.renditions) {
      const mine = await fs.readFile(path.join(dir, rendition.playlist), 'utf8');
      const theirs = await fs.readFile(path.join(reference.dir, rendition.playlist), 'utf8');
      expect(mine).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
      const segments = listedSegments(mine);
      const expected = listedSegments(theirs);
      expect(segments.map((s) => s.uri)).toEqual(expected.map((s) => s.uri));
      segments.forEach((segment, i) => expect(segment.seconds).toBeCloseTo(expected[i]?.seconds ?? NaN, 2));
      // Nothing but the playlist and its segments: no kept listing, no segment of a longer killed attempt.
      const files = await fs.readdir(path.join(dir, rendition.name));
      expect(files.sort()).toEqual(['playlist.m3u8', ...segments.map((s) => s.uri)].sort());
      for (const segment of segments) {
        expect(await videoStart(path.join(dir, rendition.name, segment.uri))).toBeCloseTo(
          await videoStart(path.join(reference.dir, rendition.name, segment.uri)),
          3,
        );
      }
      expect(await videoFrames(path.join(dir, rendition.playlist))).toBe(
        await videoFrames(path.join(reference.dir, rendition.playlist)),
      );
    }
  }
});

/** Finds the ffmpeg writing into `staging` and sends it `signal`; waits until it is gone. */
async function killWriterOf(staging: string, signal: NodeJS.Signals): Promise<number> {
  const pids = await ffmpegWritingInto(staging);
  expect(pids.length).toBeGreaterThan(0);
  for (const pid of pids) process.kill(pid, signal);
  await eventually(async () => ((await ffmpegWritingInto(staging)).length === 0 ? true : undefined), 20_000);
  return pids.length;
}

/**
 * At 30000/1001 the grid's boundaries fall up to a frame after their 4-s marks, and a resumed encode's first frame
 * is such a boundary: the HLS muxer, which counts its 4 s from that frame, used to pass over a boundary lying less
 * than that much after its mark and write one 8-s segment. 90 s holds such a boundary, and ends mid-segment.
 */
describe('a transcode resumed where the grid lies just after its 4-s marks', () => {
  it('cuts a segment at every boundary, as the uninterrupted encode does', async () => {
    const { dataDir, cleanup } = await makeDataDir();
    try {
      const videoId = 'ntsc-90';
      await addVideo(dataDir, videoId, { seconds: 90, width: 320, height: 180, fps: 30000 / 1001 });
      const activities = await activitiesFor(dataDir);
      const environment = (runId: string, info: { attempt?: number; heartbeatDetails?: unknown } = {}) =>
        new MockActivityEnvironment(
          { workflowExecution: { workflowId: videoId, runId }, heartbeatTimeoutMs: 10_000, ...info },
          { logger: new DefaultLogger('ERROR') },
        );
      const run = <A extends unknown[], R>(
        env: MockActivityEnvironment,
        activity: (...args: A) => Promise<R>,
        ...args: A
      ) => env.run<A, R, typeof activity>(activity, ...args);
      const probed = await run(environment('probe'), activities.probe, { videoId, renditions: [180] });
      const input = { videoId, info: probed.info, share: 0.5, renditions: probed.renditions };
      await run(environment('whole'), activities.transcode, input);
      const whole = path.join(stagingDir(dataDir, videoId, 'whole'), '180p');
      // What a crashed first attempt would have left: the first two segments, listed.
      const resumed = path.join(stagingDir(dataDir, videoId, 'resumed'), '180p');
      await fs.mkdir(resumed, { recursive: true });
      for (const file of ['playlist.m3u8', 'segment_0000.ts', 'segment_0001.ts']) {
        await fs.copyFile(path.join(whole, file), path.join(resumed, file));
      }
      const outcome = await run(
        environment('resumed', {
          attempt: 2,
          heartbeatDetails: { fraction: 0.1, resume: { segments: 2, resumes: [] } },
        }),
        activities.transcode,
        input,
      );

      expect(outcome.resumes.map((r) => r.segment)).toEqual([2]);
      const expected = listedSegments(await fs.readFile(path.join(whole, 'playlist.m3u8'), 'utf8'));
      const segments = listedSegments(await fs.readFile(path.join(resumed, 'playlist.m3u8'), 'utf8'));
      expect(expected).toHaveLength(23);
      expect(segments.map((s) => s.uri)).toEqual(expected.map((s) => s.uri));
      segments.forEach((segment, i) => expect(segment.seconds).toBeCloseTo(expected[i]?.seconds ?? NaN, 2));
      expect(await videoFrames(path.join(resumed, 'playlist.m3u8'))).toBe(
        await videoFrames(path.join(whole, 'playlist.m3u8')),
      );
    } finally {
      await cleanup();
    }
  }, 120_000);
});
