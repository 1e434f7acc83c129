import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type { Activities } from '../../src/activities';
import type { LadderOutcome } from '../../src/activities/assemble-ladder';
import { completePart, partFolders } from '../../src/activities/chunk-folders';
import type { Chunk } from '../../src/media/chunks';
import { listedSegments } from '../../src/media/hls-playlist';
import { stagingDir } from '../../src/media/layout';
import { activitiesFor } from '../helpers/activities';
import { eventually } from '../helpers/gate';
import { expectAppleHlsRules } from '../helpers/hls-rules';
import { addVideo, ffmpegWritingInto, makeDataDir, videoFrames, videoStart } from '../helpers/media';

type ProbeOutcome = Awaited<ReturnType<Activities['probe']>>;

/**
 * The ladder encoded as chunks on the whole video's frame grid is the ladder one ffmpeg makes: the same segment
 * names, lengths, start times (to the millisecond) and frame counts, in every rendition. Checked at 30000/1001 fps,
 * where boundaries fall between whole seconds, on a clip whose length is not a whole number of segments.
 */
describe('chunked transcode', () => {
  const videoId = 'chunk-clip';
  let dataDir: string;
  let cleanup: () => Promise<void>;
  let activities: Activities;
  let probed: ProbeOutcome;
  let reference: { outcome: LadderOutcome; dir: string };

  beforeAll(async () => {
    ({ dataDir, cleanup } = await makeDataDir());
    // 8 segments, the last 2.5 s long.
    await addVideo(dataDir, videoId, { seconds: 30.5, width: 640, height: 360, fps: 30000 / 1001 });
    activities = await activitiesFor(dataDir);
    probed = await run(environment('probe-run'), activities.probe, { videoId, renditions: [240, 144] });
    const whole: Chunk[] = [{ index: 0, first: 0, end: null, startSeconds: 0, seconds: probed.info.durationSeconds }];
    reference = { outcome: await encode('unchunked-run', whole), dir: stagingDir(dataDir, videoId, 'unchunked-run') };
  }, 180_000);

  afterAll(async () => {
    await cleanup();
  });

  function run<A extends unknown[], R>(env: MockActivityEnvironment, activity: (...args: A) => Promise<R>, ...args: A) {
    return env.run<A, R, typeof activity>(activity, ...args);
  }

  function environment(runId: string, info: { attempt?: number } = {}) {
    return new MockActivityEnvironment(
      { workflowExecution: { workflowId: videoId, runId }, heartbeatTimeoutMs: 10_000, ...info },
      { logger: new DefaultLogger('ERROR') },
    );
  }

  function chunkInput(chunk: Chunk, chunks: number) {
    return { videoId, info: probed.info, renditions: probed.renditions, chunk, chunks, share: 0.1, part: chunk.index };
  }

  /** The whole transcode as the workflow runs it: the chunks, the audio rendition, then the assembly. */
  async function encode(runId: string, chunks: Chunk[]): Promise<LadderOutcome> {
    const outcomes = [];
    for (const chunk of chunks) {
      outcomes.push(await run(environment(runId), activities.transcodeChunk, chunkInput(chunk, chunks.length)));
    }
    const audio = await run(environment(runId), activities.transcodeAudio, {
      videoId,
      info: probed.info,
      audioKbps: 128,
      share: 0.1,
      part: chunks.length,
    });
    return run(environment(runId), activities.assembleLadder, {
      videoId,
      info: probed.info,
      renditions: probed.renditions,
      chunks: outcomes,
      audio,
    });
  }

  /** Three chunks cut by hand, the last one short, as the planner would cut a longer video. */
  const threeChunks = (): Chunk[] => [
    { index: 0, first: 0, end: 3, startSeconds: 0, seconds: 12.012 },
    { index: 1, first: 3, end: 6, startSeconds: 12.012, seconds: 12.012 },
    { index: 2, first: 6, end: null, startSeconds: 24.024, seconds: 6.476 },
  ];

  it('writes the segments, lengths, start times and frame counts of the unchunked encode', async () => {
    const outcome = await encode('chunked-run', threeChunks());
    const dir = stagingDir(dataDir, videoId, 'chunked-run');
    expect(outcome.chunks).toBe(3);
    expect(reference.outcome.renditions.map((r) => r.segments)).toEqual([8, 8]);
    await expectSameLadder(dir, outcome);
    // Nothing of the chunks is left behind: their folders went once the ladder was put together.
    expect((await fs.readdir(dir)).sort()).toEqual(['144p', '240p', 'audio-0', 'master.m3u8']);
    await expectAppleHlsRules(dir, { durationSeconds: probed.info.durationSeconds, hasAudio: true });
  }, 180_000);

  it('resumes a chunk whose ffmpeg was SIGKILLed within that chunk, and the ladder still matches', async () => {
    const runId = 'killed-run';
    const chunks = threeChunks();
    const staging = stagingDir(dataDir, videoId, runId);
    const [first, middle, last] = chunks as [Chunk, Chunk, Chunk];
    const outcomes = [await run(environment(runId), activities.transcodeChunk, chunkInput(first, 3))];
    // The middle chunk's first attempt is killed once it has a whole segment on disk.
    const attempt = run(environment(runId), activities.transcodeChunk, chunkInput(middle, 3)).then(
      () => 'finished',
      (error: unknown) => error,
    );
    const listing = path.join(staging, 'chunks', '1', 'attempt-1', '240p', 'playlist.m3u8');
    await eventually(async () => {
      const listed = listedSegments(await fs.readFile(listing, 'utf8').catch(() => ''));
      return listed.length >= 1 ? true : undefined;
    }, 60_000);
    for (const pid of await ffmpegWritingInto(staging)) process.kill(pid, 'SIGKILL');
    expect(await attempt).not.toBe('finished');
    const retried = await run(environment(runId, { attempt: 2 }), activities.transcodeChunk, chunkInput(middle, 3));
    expect(retried.resumes).toHaveLength(1);
    expect(retried.resumes[0]?.segment).toBeGreaterThan(middle.first);
    expect(retried.resumes[0]?.segment).toBeLessThan(middle.end ?? Infinity);
    outcomes.push(retried, await run(environment(runId), activities.transcodeChunk, chunkInput(last, 3)));
    const audio = await run(environment(runId), activities.transcodeAudio, {
      videoId,
      info: probed.info,
      audioKbps: 128,
      share: 0.1,
      part: 3,
    });
    const outcome = await run(environment(runId), activities.assembleLadder, {
      videoId,
      info: probed.info,
      renditions: probed.renditions,
      chunks: outcomes,
      audio,
    });
    expect(outcome.resumes.map((r) => r.chunk)).toEqual([1]);
    await expectSameLadder(staging, outcome);
  }, 180_000);

  it('never lets a late attempt overwrite a finished chunk, and a retry of a finished chunk encodes nothing', async () => {
    const runId = 'late-run';
    const [first] = threeChunks() as [Chunk];
    await run(environment(runId), activities.transcodeChunk, chunkInput(first, 3));
    const done = path.join(stagingDir(dataDir, videoId, runId), 'chunks', '0', 'done');
    const before = await fs.readFile(path.join(done, '240p', 'playlist.m3u8'), 'utf8');
    const marker = path.join(done, '240p', 'segment_0000.ts');
    const { mtimeMs } = await fs.stat(marker);
    // A later attempt (its result was lost) finds the chunk finished and returns it as it is.
    const again = await run(environment(runId, { attempt: 2 }), activities.transcodeChunk, chunkInput(first, 3));
    expect(again.segments).toBe(3);
    expect(await fs.readFile(path.join(done, '240p', 'playlist.m3u8'), 'utf8')).toBe(before);
    expect((await fs.stat(marker)).mtimeMs).toBe(mtimeMs);
    // An older attempt that finishes after the chunk was done (a worker given up for lost): its rename fails, its
    // folder goes, and the finished chunk is as it was.
    const late = partFolders(stagingDir(dataDir, videoId, runId), '0', 1);
    await fs.mkdir(path.join(late.attempt, '240p'), { recursive: true });
    await fs.writeFile(path.join(late.attempt, '240p', 'segment_0000.ts'), 'not this one');
    expect(await completePart(late)).toBe(false);
    expect(await fs.readFile(path.join(done, '240p', 'playlist.m3u8'), 'utf8')).toBe(before);
    expect((await fs.stat(marker)).mtimeMs).toBe(mtimeMs);
    await expect(fs.stat(late.attempt)).rejects.toThrow();
  }, 120_000);

  /** Same renditions, segment names and lengths, segment start times, frame counts and audio as the reference. */
  async function expectSameLadder(dir: string, outcome: LadderOutcome): Promise<void> {
    expect(outcome.renditions.map((r) => [r.name, r.segments])).toEqual(
      reference.outcome.renditions.map((r) => [r.name, r.segments]),
    );
    for (const rendition of outcome.renditions) {
      const mine = listedSegments(await fs.readFile(path.join(dir, rendition.playlist), 'utf8'));
      const theirs = listedSegments(await fs.readFile(path.join(reference.dir, rendition.playlist), 'utf8'));
      expect(mine.map((s) => s.uri)).toEqual(theirs.map((s) => s.uri));
      expect(mine.map((s) => s.seconds.toFixed(3))).toEqual(theirs.map((s) => s.seconds.toFixed(3)));
      for (const segment of mine) {
        const file = path.join(dir, rendition.name, segment.uri);
        const theirFile = path.join(reference.dir, rendition.name, segment.uri);
        expect((await videoStart(file)).toFixed(3)).toBe((await videoStart(theirFile)).toFixed(3));
        expect(await videoFrames(file)).toBe(await videoFrames(theirFile));
      }
    }
    expect(await fs.readFile(path.join(dir, 'audio-0', 'playlist.m3u8'), 'utf8')).toBe(
      await fs.readFile(path.join(reference.dir, 'audio-0', 'playlist.m3u8'), 'utf8'),
    );
  }
});
