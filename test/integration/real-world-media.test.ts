import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { TranscodeOutcome } from '../../src/activities/transcode';
import { currentLink } from '../../src/media/layout';
import { expectAppleHlsRules } from '../helpers/hls-rules';
import { REFUSALS } from '../../src/media/refusals';
import type { ProgressState } from '../../src/progress';
import type { ReprocessVideo } from '../../src/workflows';
import { REPROCESS_WORKFLOW_TYPE, progressQuery, type ReprocessResult } from '../../src/workflows/definitions';
import { ffprobe, videoFrames } from '../helpers/media';
import { meanLuma, meanVolumeDb, realWorldMedia } from '../helpers/real-world-media';
import { startPipeline } from '../helpers/pipeline';

/** Media of the kinds people upload, through the real pipeline: what is taken, and what is refused and why. */
describe('real-world input', () => {
  let env: TestWorkflowEnvironment;
  let dataDir: string;
  let stop: () => Promise<void>;
  const taskQueue = 'real-world-test';

  beforeAll(async () => {
    ({ env, dataDir, stop } = await startPipeline(taskQueue));
  });

  afterAll(() => stop());

  /** Makes the video's source with `make`, starts a run of it, and polls its progress until it ends. */
  async function runOf(videoId: string, extension: string, make: (file: string) => Promise<unknown>) {
    const source = path.join(dataDir, 'media', videoId, `source.${extension}`);
    await fs.mkdir(path.dirname(source), { recursive: true });
    await make(source);
    const handle = await env.client.workflow.start<typeof ReprocessVideo>(REPROCESS_WORKFLOW_TYPE, {
      workflowId: videoId,
      taskQueue,
      args: [{ videoId }],
    });
    const seen: ProgressState[] = [];
    for (;;) {
      const state = await handle.query(progressQuery);
      seen.push(state);
      if (state.phase !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const result = await handle.result().then(
      (value: ReprocessResult) => ({ value, failure: null }),
      (failure: unknown) => ({ value: null, failure }),
    );
    return { source, seen, ...result, out: currentLink(dataDir, videoId) };
  }

  function expectRisingProgress(seen: ProgressState[]) {
    for (let i = 1; i < seen.length; i += 1) expect(seen[i]!.overall).toBeGreaterThanOrEqual(seen[i - 1]!.overall);
    expect(seen.at(-1)).toMatchObject({ phase: 'completed', overall: 1 });
  }

  /** Seconds the rendition's playlist lasts, by its EXTINFs. */
  async function playlistSeconds(playlist: string): Promise<number> {
    const text = await fs.readFile(playlist, 'utf8');
    return [...text.matchAll(/#EXTINF:([\d.]+)/g)].reduce((sum, match) => sum + Number(match[1]), 0);
  }

  it.each([
    ['a stream-written Matroska (no duration, no cues)', 'streamed-mkv', 'mkv', realWorldMedia.streamedMatroska, 25],
    [
      "a browser's MediaRecorder WebM (VP8 + Opus to a pipe)",
      'recorder-webm',
      'webm',
      realWorldMedia.mediaRecorderWebm,
      30,
    ],
  ])(
    'processes %s: its length found from its packets',
    async (_label, videoId, extension, make, fps) => {
      const run = await runOf(videoId, extension, make);
      // The file itself says nothing of its length: what the run knows, it measured.
      expect(Number.isFinite(Number((await ffprobe(run.source)).format.duration))).toBe(false);
      expect(run.failure).toBeNull();
      expectRisingProgress(run.seen);
      const frames = await videoFrames(run.source);
      expect(run.value?.info.durationSeconds).toBeCloseTo(frames / fps, 1);
      const playlist = path.join(run.out, '240p', 'playlist.m3u8');
      expect(Math.abs((await playlistSeconds(playlist)) - frames / fps)).toBeLessThanOrEqual(1 / fps + 0.001);
      // Within a frame: where the video starts a little after the audio (23 ms here), the first frame is held to fill it.
      expect(Math.abs((await videoFrames(playlist)) - frames)).toBeLessThanOrEqual(1);
    },
    120_000,
  );

  it('processes an animated GIF as a silent video, one rendition at its size made even', async () => {
    const run = await runOf('animated', 'gif', (file) => realWorldMedia.animatedGif(file));
    expect(run.failure).toBeNull();
    expectRisingProgress(run.seen);
    expect(run.value?.info).toMatchObject({ videoCodec: 'gif', hasAudio: false });
    const renditions = (run.value?.outputs.transcode as TranscodeOutcome | undefined)?.renditions ?? [];
    expect(renditions.map((r) => [r.width, r.height])).toEqual([[160, 120]]);
    const segment = (await fs.readdir(path.join(run.out, renditions[0]!.name))).find((name) => name.endsWith('.ts'))!;
    const probed = await ffprobe(path.join(run.out, renditions[0]!.name, segment));
    expect(probed.streams.map((stream) => stream.codec_type)).toEqual(['video']);
  }, 120_000);

  it('tone-maps an HDR10 source to SDR BT.709, and says it was HDR', async () => {
    const sdr = path.join(dataDir, 'clips', 'sdr-twin.mp4');
    await fs.mkdir(path.dirname(sdr), { recursive: true });
    const run = await runOf('hdr10', 'mkv', (file) => realWorldMedia.hdr10(file, sdr));
    expect(run.failure).toBeNull();
    expect(run.value?.info).toMatchObject({ hdr: true, videoCodec: 'hevc' });
    const playlist = path.join(run.out, '240p', 'playlist.m3u8');
    const segment = (await fs.readFile(playlist, 'utf8')).split('\n').find((line) => line.endsWith('.ts'))!;
    const stdout = execFileSync('ffprobe', [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=color_primaries,color_transfer,color_space,pix_fmt',
      '-of',
      'json',
      path.join(run.out, '240p', segment),
    ]).toString();
    expect((JSON.parse(stdout) as { streams: unknown[] }).streams[0]).toMatchObject({
      color_primaries: 'bt709',
      color_transfer: 'bt709',
      color_space: 'bt709',
      pix_fmt: 'yuv420p',
    });
    // Tone mapping compresses highlights, so the picture is somewhat darker than its SDR twin, not PQ's washed-out grey
    // or a near-black frame.
    const ratio = (await meanLuma(playlist)) / (await meanLuma(sdr));
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(1.2);
  }, 120_000);

  it('takes the audio track marked default as the main audio, and lists every track', async () => {
    const run = await runOf('two-tracks', 'mp4', realWorldMedia.twoAudioTracks);
    expect(run.failure).toBeNull();
    expect(run.value?.info).toMatchObject({ audioTrack: 1 });
    expect(run.value?.info.audioTracks?.map((track) => [track.language, track.default])).toEqual([
      ['fra', false],
      ['eng', true],
    ]);
    // The French track is silent, the English one a tone: the outputs carry the tone, and the ladder offers both,
    // the English one as its default.
    expect(await meanVolumeDb(path.join(run.out, 'audio-1', 'playlist.m3u8'))).toBeGreaterThan(-40);
    expect(await meanVolumeDb(path.join(run.out, 'audio.m4a'))).toBeGreaterThan(-40);
    const master = await fs.readFile(path.join(run.out, 'master.m3u8'), 'utf8');
    expect(master).toContain(
      'NAME="English",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio-1/playlist.m3u8"',
    );
    expect(master).toContain(
      'NAME="French",LANGUAGE="fr",DEFAULT=NO,AUTOSELECT=YES,CHANNELS="2",URI="audio-0/playlist.m3u8"',
    );
    await expectAppleHlsRules(run.out, {
      durationSeconds: run.value!.info.durationSeconds,
      hasAudio: true,
      language: 'en',
    });
  }, 120_000);

  it.each([
    ['a one-frame GIF', 'gif', (file: string) => realWorldMedia.animatedGif(file, 1), REFUSALS.stillImage],
    ['a JPEG', 'jpg', realWorldMedia.jpeg, REFUSALS.stillImage],
    ['an MP3 with cover art', 'mp3', realWorldMedia.mp3WithCoverArt, REFUSALS.coverArt],
    ['an audio-only Opus Matroska', 'mka', realWorldMedia.opusMatroska, REFUSALS.audioOnly],
    ['an SRT file', 'srt', realWorldMedia.srt, REFUSALS.subtitles],
    ['a text file', 'txt', realWorldMedia.text, REFUSALS.text],
    ['an MP4 cut in half before its index', 'mp4', realWorldMedia.mp4CutBeforeIndex, REFUSALS.truncated],
  ])(
    'refuses %s after one attempt, saying what it is',
    async (label, extension, make, refusal) => {
      const videoId = `refused-${label.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '')}`;
      const run = await runOf(videoId, extension, make);
      expect(run.failure).toBeInstanceOf(WorkflowFailedError);
      expect((run.failure as WorkflowFailedError).cause).toMatchObject({ type: 'InvalidMedia' });
      const last = run.seen.at(-1)!;
      expect(last.error).toBe(refusal);
      expect(last.steps[0]).toMatchObject({ name: 'probe', status: 'failed', attempt: 1, error: refusal });
    },
    60_000,
  );
});
