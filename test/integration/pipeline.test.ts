import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { currentLink, stagingDir, videoDir } from '../../src/media/layout';
import { toPercent, type ProgressState } from '../../src/progress';
import type { ReprocessVideo } from '../../src/workflows';
import { REPROCESS_WORKFLOW_TYPE, progressQuery, type ReprocessInput } from '../../src/workflows/definitions';
import { eventually } from '../helpers/gate';
import { expectAppleHlsRules } from '../helpers/hls-rules';
import { addVideo, ebur128Integrated, ffprobe, makeClip, makeSceneClip } from '../helpers/media';
import { startPipeline } from '../helpers/pipeline';

const execFileAsync = promisify(execFile);

/** The real pipeline: dev server, real worker, real ffmpeg on generated clips. */
describe('ReprocessVideo with real ffmpeg', () => {
  let env: TestWorkflowEnvironment;
  let dataDir: string;
  let stop: () => Promise<void>;
  const taskQueue = 'pipeline-test';

  beforeAll(async () => {
    ({ env, dataDir, stop } = await startPipeline(taskQueue));
  });

  afterAll(() => stop());

  function start(input: ReprocessInput) {
    return env.client.workflow.start<typeof ReprocessVideo>(REPROCESS_WORKFLOW_TYPE, {
      workflowId: input.videoId,
      taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    });
  }

  /** Polls the query until the run ends; returns every snapshot seen. */
  async function follow(videoId: string): Promise<ProgressState[]> {
    const handle = env.client.workflow.getHandle(videoId);
    const seen: ProgressState[] = [];
    for (;;) {
      const state = await handle.query(progressQuery);
      seen.push(state);
      if (state.phase !== 'running') return seen;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  it('makes every output of a 60-s 720p clip, with monotonic progress and under 1,000 history events', async () => {
    const source = await makeSceneClip(path.join(dataDir, 'media', 'ladder', 'source.mp4'), {
      segmentSeconds: 15,
      width: 1280,
      height: 720,
    });
    const handle = await start({ videoId: 'ladder' });
    const snapshots = await follow('ladder');
    await handle.result();

    // Progress: never down, overall or per step; ends 100 % with every step completed.
    for (let i = 1; i < snapshots.length; i += 1) {
      const [before, after] = [snapshots[i - 1]!, snapshots[i]!];
      expect(toPercent(after.overall)).toBeGreaterThanOrEqual(toPercent(before.overall));
      expect(after.seq).toBeGreaterThanOrEqual(before.seq);
      after.steps.forEach((step, index) => expect(step.fraction).toBeGreaterThanOrEqual(before.steps[index]!.fraction));
    }
    expect(snapshots.filter((state) => state.overall > 0.2 && state.overall < 0.9).length).toBeGreaterThan(0);
    const last = snapshots.at(-1)!;
    expect(last.phase).toBe('completed');
    expect(last.overall).toBe(1);
    expect(last.steps.every((step) => step.status === 'completed')).toBe(true);
    expect((await handle.describe()).historyLength).toBeLessThan(1000);

    const out = currentLink(dataDir, 'ladder');
    // HLS ladder: no upscaling, every rendition the source's duration, 15 segments of 4 s.
    const master = await fs.readFile(path.join(out, 'master.m3u8'), 'utf8');
    expect(master.match(/#EXT-X-STREAM-INF:/g)).toHaveLength(4);
    await expectAppleHlsRules(out, { durationSeconds: 60, hasAudio: true });
    // Transcoded in chunks (the worker plans by its cores), put together as one ladder.
    const result = last.result as { outputs: { transcode: { chunks: number } } };
    expect(result.outputs.transcode.chunks).toBeGreaterThan(1);
    for (const [name, width, height] of [
      ['720p', 1280, 720],
      ['480p', 854, 480],
      ['360p', 640, 360],
      ['240p', 426, 240],
    ] as const) {
      const playlist = await fs.readFile(path.join(out, name, 'playlist.m3u8'), 'utf8');
      expect(playlist).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
      expect(playlist).toContain('#EXT-X-ENDLIST');
      const segments = playlist.split('\n').filter((line) => line.endsWith('.ts'));
      expect(segments).toHaveLength(15);
      const durations = [...playlist.matchAll(/#EXTINF:([\d.]+)/g)].map((match) => Number(match[1]));
      expect(durations.reduce((sum, d) => sum + d, 0)).toBeCloseTo(60, 0);
      const probed = await ffprobe(path.join(out, name, segments[3]!));
      const video = probed.streams.find((stream) => stream.codec_type === 'video');
      expect([video?.width, video?.height]).toEqual([width, height]);
      expect(Math.abs(Number(probed.format.duration) - 4)).toBeLessThan(0.1);
    }

    // Thumbnails: poster at the source's aspect; every VTT cue inside its sprite.
    const poster = (await ffprobe(path.join(out, 'poster.jpg'))).streams[0]!;
    expect([poster.width, poster.height]).toEqual([1280, 720]);
    const sprite = (await ffprobe(path.join(out, 'storyboard_001.jpg'))).streams[0]!;
    const vtt = await fs.readFile(path.join(out, 'storyboard.vtt'), 'utf8');
    const cells = [...vtt.matchAll(/#xywh=(\d+),(\d+),(\d+),(\d+)/g)].map((match) => match.slice(1).map(Number));
    expect(cells).toHaveLength(60);
    for (const [x, y, w, h] of cells as [number, number, number, number][]) {
      expect(x + w).toBeLessThanOrEqual(sprite.width!);
      expect(y + h).toBeLessThanOrEqual(sprite.height!);
    }

    // Audio: loudness within ±1 LU of ffmpeg's own ebur128 on the source; an AAC file of the same length.
    const audio = JSON.parse(await fs.readFile(path.join(out, 'audio.json'), 'utf8')) as {
      loudness: { integratedLufs: number; truePeakDbtp: number };
    };
    expect(Math.abs(audio.loudness.integratedLufs - (await ebur128Integrated(source)))).toBeLessThanOrEqual(1);
    expect(audio.loudness.truePeakDbtp).toBeLessThan(0);
    expect(Number((await ffprobe(path.join(out, 'audio.m4a'))).format.duration)).toBeCloseTo(60, 0);
    const waveform = JSON.parse(await fs.readFile(path.join(out, 'waveform.json'), 'utf8')) as { peaks: number[] };
    expect(waveform.peaks.length).toBe(1000);
    expect(Math.max(...waveform.peaks)).toBeGreaterThan(0.05);

    // Scenes: the three pattern changes, ±0.2 s.
    const scenes = JSON.parse(await fs.readFile(path.join(out, 'scenes.json'), 'utf8')) as { cuts: { time: number }[] };
    for (const cut of [15, 30, 45]) {
      expect(scenes.cuts.some((found) => Math.abs(found.time - cut) <= 0.2)).toBe(true);
    }

    // Publish: a manifest, and nothing left in staging.
    const manifest = JSON.parse(await fs.readFile(path.join(out, 'manifest.json'), 'utf8')) as { files: unknown[] };
    expect(manifest.files.length).toBeGreaterThan(60);
    await expect(fs.access(path.join(videoDir(dataDir, 'ladder'), 'staging'))).rejects.toThrow();
  }, 300_000);

  describe('bad media', () => {
    const cases: [string, (file: string) => Promise<void>][] = [
      ['an empty file', (file) => fs.writeFile(file, '')],
      ['a text file named .mp4', (file) => fs.writeFile(file, 'hello, this is not a video\n'.repeat(50))],
      [
        'a truncated MP4',
        async (file) => {
          const whole = await makeClip(`${file}.whole.mp4`, { seconds: 2 });
          const bytes = await fs.readFile(whole);
          await fs.writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 3)));
          await fs.rm(whole);
        },
      ],
      [
        'an audio-only file',
        async (file) => {
          await execFileAsync('ffmpeg', [
            '-v',
            'error',
            '-f',
            'lavfi',
            '-i',
            'sine=duration=1',
            '-c:a',
            'aac',
            '-f',
            'mp4',
            file,
          ]);
        },
      ],
      [
        'an HLS playlist pointing at a local file',
        async (file) => {
          const outside = await makeClip(path.join(dataDir, 'outside', 'secret.mp4'));
          await fs.writeFile(file, `#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n${outside}\n#EXT-X-ENDLIST\n`);
        },
      ],
      [
        'an HLS playlist pointing at a URL',
        (file) => fs.writeFile(file, '#EXTM3U\n#EXTINF:2,\nhttp://127.0.0.1:9/x.ts\n#EXT-X-ENDLIST\n'),
      ],
    ];

    it.each(cases)('fails %s after exactly one attempt, with InvalidMedia', async (_label, make) => {
      const videoId = `bad-${Math.random().toString(36).slice(2, 8)}`;
      const file = path.join(dataDir, 'media', videoId, 'source.mp4');
      await fs.mkdir(path.dirname(file), { recursive: true });
      await make(file);
      const handle = await start({ videoId });
      const failure = await handle.result().then(
        () => null,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      expect((failure as WorkflowFailedError).cause).toMatchObject({ type: 'InvalidMedia' });
      const state = await handle.query(progressQuery);
      expect(state.phase).toBe('failed');
      expect(state.error).toMatch(/video/);
      expect(state.steps[0]).toMatchObject({ name: 'probe', status: 'failed', attempt: 1 });
      expect(state.steps.slice(1).every((step) => step.status === 'cancelled')).toBe(true);
      await expect(fs.access(videoDir(dataDir, videoId) + '/current')).rejects.toThrow();
    });
  });

  it.each([
    ['on the media queue the run names', `${taskQueue}-media`],
    ["on the run's own queue when it names none (runs started before the split)", undefined],
  ])('schedules the media steps %s, and runs the short steps as local activities', async (_, mediaTaskQueue) => {
    const videoId = mediaTaskQueue ? 'split-queues' : 'one-queue';
    await addVideo(dataDir, videoId, { seconds: 1, width: 160, height: 120 });
    const handle = await start({ videoId, ...(mediaTaskQueue ? { mediaTaskQueue } : {}) });
    await handle.result();
    const queueOf = new Map<string, string>();
    const local: string[] = [];
    for (const event of (await handle.fetchHistory()).events ?? []) {
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) queueOf.set(scheduled.activityType!.name!, scheduled.taskQueue!.name!);
      const marker = event.markerRecordedEventAttributes;
      const data = marker?.markerName === 'core_local_activity' ? marker.details?.['data']?.payloads?.[0]?.data : null;
      if (data) local.push((JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type: string }).activity_type);
    }
    const media = mediaTaskQueue ?? taskQueue;
    expect(Object.fromEntries(queueOf)).toEqual({
      recordRunStarted: taskQueue,
      thumbnails: media,
      transcodeChunk: media,
      transcodeAudio: media,
      assembleLadder: media,
      audio: media,
      scenes: media,
    });
    expect(local.sort()).toEqual(['probe', 'publish', 'recordRunFinished']);
  });

  it('cancels mid-transcode: ffmpeg killed, staging gone, previous outputs intact', async () => {
    await addVideo(dataDir, 'cancel', { seconds: 40, width: 1280, height: 720, fps: 30 });
    const first = await start({ videoId: 'cancel', steps: ['thumbnails'] });
    await first.result();
    const published = await fs.readlink(currentLink(dataDir, 'cancel'));

    const handle = await start({ videoId: 'cancel' });
    const runId = handle.firstExecutionRunId;
    await eventually(async () => {
      const state = await handle.query(progressQuery);
      const transcode = state.steps.find((step) => step.name === 'transcode');
      return transcode && transcode.fraction > 0.02 ? true : undefined;
    }, 120_000);
    await handle.cancel();
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);

    const state = await handle.query(progressQuery);
    expect(state.phase).toBe('cancelled');
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    const source = path.join(videoDir(dataDir, 'cancel'), 'source.mp4');
    const { stdout } = await execFileAsync('ps', ['-eo', 'args']);
    expect(stdout.split('\n').filter((line) => line.includes('ffmpeg') && line.includes(source))).toEqual([]);
    await expect(fs.access(stagingDir(dataDir, 'cancel', runId))).rejects.toThrow();
    expect(await fs.readlink(currentLink(dataDir, 'cancel'))).toBe(published);
    await fs.access(path.join(currentLink(dataDir, 'cancel'), 'poster.jpg'));
  }, 240_000);
});
