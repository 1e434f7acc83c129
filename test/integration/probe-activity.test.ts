import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type { createActivities } from '../../src/activities';
import { activitiesFor } from '../helpers/activities';
import type { VideoInfo } from '../../src/media/probe';
import type { ProbeOutcome } from '../../src/activities/probe';
import { addVideo, makeDataDir } from '../helpers/media';
import { quietActivityEnvironment } from '../helpers/temporal';

describe('probe activity (real ffprobe)', () => {
  let dataDir: string;
  let cleanup: () => Promise<void>;
  let probe: ReturnType<typeof createActivities>['probe'];

  beforeAll(async () => {
    ({ dataDir, cleanup } = await makeDataDir());
    probe = (await activitiesFor(dataDir)).probe;
  });
  afterAll(() => cleanup());

  async function probeOk(videoId: string): Promise<VideoInfo> {
    const outcome = await quietActivityEnvironment().run<[{ videoId: string }], ProbeOutcome, typeof probe>(probe, {
      videoId,
    });
    return outcome.info;
  }

  async function failureOf(videoId: string): Promise<ApplicationFailure> {
    const outcome = await quietActivityEnvironment()
      .run(probe, { videoId })
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(outcome).toBeInstanceOf(ApplicationFailure);
    return outcome as ApplicationFailure;
  }

  it('reads duration, size and streams of a generated clip', async () => {
    await addVideo(dataDir, 'clip', { seconds: 2, width: 320, height: 180, fps: 25 });
    const info = await probeOk('clip');
    expect(info.width).toBe(320);
    expect(info.height).toBe(180);
    expect(info.durationSeconds).toBeGreaterThan(1.9);
    expect(info.durationSeconds).toBeLessThan(2.2);
    expect(info).toMatchObject({ videoCodec: 'h264', frameRate: 25, hasAudio: true, audioCodec: 'aac' });
  });

  it('knows a clip without audio', async () => {
    await addVideo(dataDir, 'silent', { audio: false });
    const info = await probeOk('silent');
    expect(info.hasAudio).toBe(false);
  });

  it('fails non-retryably with VideoNotFound when there is no source', async () => {
    const failure = await failureOf('missing');
    expect(failure).toMatchObject({ type: 'VideoNotFound', nonRetryable: true });
  });

  it('fails non-retryably with InvalidMedia for a file that is not a video', async () => {
    const dir = path.join(dataDir, 'media', 'text');
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'source.mp4'), 'this is not a video\n'.repeat(100));
    const failure = await failureOf('text');
    expect(failure).toMatchObject({ type: 'InvalidMedia', nonRetryable: true });
    expect(failure.message).toBe('a text file, not a video');
  });

  it('refuses a playlist disguised as an mp4 instead of following it', async () => {
    const dir = path.join(dataDir, 'media', 'playlist');
    await fs.mkdir(dir, { recursive: true });
    const outside = await addVideo(dataDir, 'outside');
    await fs.writeFile(
      path.join(dir, 'source.mp4'),
      `#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n${outside}\n#EXT-X-ENDLIST\n`,
    );
    const failure = await failureOf('playlist');
    expect(failure).toMatchObject({ type: 'InvalidMedia', nonRetryable: true });
  });

  it('does not follow a source that is a symlink out of the video folder', async () => {
    const dir = path.join(dataDir, 'media', 'linked');
    await fs.mkdir(dir, { recursive: true });
    await fs.symlink(path.join(dataDir, 'media', 'clip', 'source.mp4'), path.join(dir, 'source.mp4'));
    const failure = await failureOf('linked');
    expect(failure).toMatchObject({ type: 'VideoNotFound' });
  });
});
