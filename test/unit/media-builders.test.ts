import { buildAudioArgs, createPeakAccumulator, parseLoudnessSummary } from '../../src/media/audio';
import { createProgressParser, progressFraction, type FfmpegProgress } from '../../src/media/ffmpeg-progress';
import { buildHlsLadderArgs, segmentStartSeconds } from '../../src/media/hls';
import { planLadder } from '../../src/media/ladder';
import { buildScenesArgs, createSceneParser } from '../../src/media/scenes';
import { buildStoryboardArgs, buildStoryboardVtt, planStoryboard } from '../../src/media/thumbnails';

describe('planLadder', () => {
  it('never upscales: a 720p source gets 720p and below', () => {
    expect(planLadder({ width: 1280, height: 720 }).map((r) => r.height)).toEqual([720, 480, 360, 240]);
  });

  it('keeps the aspect ratio with even widths', () => {
    const ladder = planLadder({ width: 1920, height: 1080 });
    expect(ladder[0]).toMatchObject({ name: '1080p', width: 1920, height: 1080 });
    for (const rendition of ladder) {
      expect(rendition.width % 2).toBe(0);
      expect(rendition.height % 2).toBe(0);
      expect(rendition.width / rendition.height).toBeCloseTo(16 / 9, 1);
    }
  });

  it('gives a source smaller than every rung one rendition at its own (even) size', () => {
    expect(planLadder({ width: 175, height: 143 })).toEqual([expect.objectContaining({ width: 176, height: 144 })]);
  });

  it('takes the requested heights, still without upscaling', () => {
    expect(planLadder({ width: 1280, height: 720 }, [1080, 360, 360]).map((r) => r.height)).toEqual([360]);
  });

  it('never makes two renditions of one name', () => {
    expect(planLadder({ width: 1280, height: 720 }, [359, 360, 361]).map((r) => r.name)).toEqual(['362p', '360p']);
  });
});

describe('buildHlsLadderArgs', () => {
  const renditions = planLadder({ width: 1280, height: 720 }, [720, 360]);
  const job = () => ({
    sourcePath: '/m/source.mp4',
    durationSeconds: 60,
    outDir: '/m/out',
    renditions,
    hasAudio: true,
  });
  const args = buildHlsLadderArgs(job());
  const after = (flag: string) => args[args.indexOf(flag) + 1];

  it('deinterlaces before splitting when the source is interlaced', () => {
    const interlaced = buildHlsLadderArgs({
      sourcePath: '/s',
      durationSeconds: 60,
      outDir: '/o',
      renditions,
      hasAudio: false,
      deinterlace: true,
    });
    expect(interlaced[interlaced.indexOf('-filter_complex') + 1]).toMatch(/^\[0:v\]yadif=deint=interlaced,split=2/);
  });

  it('decodes once and splits into every rendition', () => {
    expect(args.filter((arg) => arg === '-i')).toHaveLength(1);
    expect(after('-filter_complex')).toContain('split=2');
    expect(after('-filter_complex')).toContain('scale=640:360');
  });

  it('aligns keyframes to the segment boundaries and turns scene-cut keyframes off', () => {
    expect(after('-force_key_frames')).toBe('expr:gte(t+0.000000000+0.000001,(n_forced+0)*4)');
    expect(after('-sc_threshold')).toBe('0');
    expect(after('-hls_time')).toBe('4');
  });

  it('tone-maps an HDR source before the split and tags the outputs BT.709; leaves an SDR one alone', () => {
    const hlg = buildHlsLadderArgs({ ...job(), hdr: true, colorTransfer: 'arib-std-b67' });
    const graph = hlg[hlg.indexOf('-filter_complex') + 1]!;
    expect(graph).toMatch(
      /^\[0:v\]setparams=color_primaries=bt2020:color_trc=arib-std-b67:colorspace=bt2020nc,zscale=t=linear/,
    );
    expect(graph).toContain('tonemap=tonemap=hable');
    expect(graph.indexOf('tonemap')).toBeLessThan(graph.indexOf('split='));
    expect(hlg[hlg.indexOf('-color_primaries') + 1]).toBe('bt709');
    expect(hlg[hlg.indexOf('-color_trc') + 1]).toBe('bt709');
    expect(args[args.indexOf('-filter_complex') + 1]).not.toContain('tonemap');
    expect(args).not.toContain('-color_primaries');
  });

  it('maps the main audio track', () => {
    const second = buildHlsLadderArgs({ ...job(), audioTrack: 1 });
    expect(second.filter((arg, i) => second[i - 1] === '-map' && arg.startsWith('0:a'))).toEqual(['0:a:1', '0:a:1']);
  });

  it('at a known frame rate, cuts at every forced keyframe and lets x264 add none of its own', () => {
    const ntsc = buildHlsLadderArgs({ ...job(), frameRate: 30000 / 1001, startSegment: 2 });
    const of = (flag: string) => ntsc[ntsc.indexOf(flag) + 1];
    // 120 frames at most between two boundaries; the threshold 1.5 frames short of 4 s.
    expect(of('-g')).toBe('121');
    expect(of('-hls_time')).toBe((4 - 1.5 / (30000 / 1001)).toFixed(6));
    expect(Number(of('-hls_time'))).toBeLessThan(4 - 1 / (30000 / 1001));
  });

  it('writes a master playlist with one named variant per rendition, audio in each', () => {
    // EVENT while encoding (rewritten after each segment, so a retry can see what is whole); the activity writes VOD.
    expect(after('-hls_playlist_type')).toBe('event');
    expect(after('-master_pl_name')).toBe('master.m3u8');
    expect(after('-var_stream_map')).toBe('v:0,a:0,name:720p v:1,a:1,name:360p');
  });

  it('starts a fresh encode at segment 0 on a timestamp origin that is never negative', () => {
    expect(after('-start_number')).toBe('0');
    expect(after('-output_ts_offset')).toBe('10.000000');
    expect(args.indexOf('-ss')).toBe(-1);
  });

  it('resumes at a segment: seeks the source there, numbers and timestamps segments as the fresh encode would', () => {
    const resumed = buildHlsLadderArgs({
      sourcePath: '/s',
      durationSeconds: 60,
      outDir: '/o',
      renditions,
      hasAudio: true,
      startSegment: 7,
    });
    const value = (flag: string) => resumed[resumed.indexOf(flag) + 1];
    expect(value('-ss')).toBe('28.000');
    expect(resumed.indexOf('-ss')).toBeLessThan(resumed.indexOf('-i'));
    expect(value('-start_number')).toBe('7');
    expect(value('-output_ts_offset')).toBe('38.000000');
    expect(value('-force_key_frames')).toBe('expr:gte(t+28.000000000+0.000001,(n_forced+7)*4)');
  });

  it('resumes on the frame grid of a non-integer rate: the segment starts at its first frame, not at 4·k s', () => {
    const ntsc = 30000 / 1001;
    const resumed = buildHlsLadderArgs({
      sourcePath: '/s',
      durationSeconds: 60,
      outDir: '/o',
      renditions,
      hasAudio: true,
      startSegment: 6,
      frameRate: ntsc,
    });
    const value = (flag: string) => resumed[resumed.indexOf(flag) + 1];
    // Frame 720 (24.024 s) is the first at or after 24 s; the seek lands a quarter frame before it.
    expect(segmentStartSeconds(6, ntsc)).toBeCloseTo(24.024, 9);
    expect(Number(value('-ss'))).toBeCloseTo(24.024 - 0.25 / ntsc, 3);
    expect(value('-output_ts_offset')).toBe('34.024000');
    expect(value('-r')).toBe(String(ntsc));
    expect(segmentStartSeconds(6, 24)).toBe(24);
    // A placeholder rate is not imposed on the output.
    expect(
      buildHlsLadderArgs({
        sourcePath: '/s',
        durationSeconds: 60,
        outDir: '/o',
        renditions,
        hasAudio: false,
        frameRate: 1000,
      }),
    ).not.toContain('-r');
  });

  it('reads only local files and reports progress on stdout', () => {
    expect(after('-protocol_whitelist')).toBe('file,pipe');
    expect(after('-progress')).toBe('pipe:1');
    expect(args).toContain('-nostdin');
  });
});

describe('createProgressParser', () => {
  it('emits one progress per block, whatever the chunking', () => {
    const seen: FfmpegProgress[] = [];
    const push = createProgressParser((block) => seen.push(block));
    const text = 'frame=10\nout_time_us=2000000\nprogress=continue\nframe=20\nout_time_us=4000000\nprogress=end\n';
    for (const char of text) push(char);
    expect(seen).toEqual([
      { outTimeSeconds: 2, frame: 10, done: false },
      { outTimeSeconds: 4, frame: 20, done: true },
    ]);
  });

  it('ignores garbage and N/A values', () => {
    const seen: FfmpegProgress[] = [];
    const push = createProgressParser((block) => seen.push(block));
    push('garbage\n=x\nout_time_us=N/A\nout_time=00:01:02.5\nprogress=continue\n');
    expect(seen).toEqual([{ outTimeSeconds: 62.5, frame: null, done: false }]);
  });

  it('turns media time into a clamped fraction', () => {
    expect(progressFraction({ outTimeSeconds: 5, frame: null, done: false }, 10)).toBe(0.5);
    expect(progressFraction({ outTimeSeconds: 50, frame: null, done: false }, 10)).toBe(1);
    expect(progressFraction({ outTimeSeconds: null, frame: null, done: false }, 10)).toBeNull();
    expect(progressFraction({ outTimeSeconds: null, frame: null, done: true }, 10)).toBe(1);
  });
});

describe('storyboard', () => {
  it('plans about a hundred thumbnails, at least a second apart', () => {
    expect(planStoryboard(10, 1280, 720)).toMatchObject({ intervalSeconds: 1, count: 10, thumbHeight: 90, sprites: 1 });
    expect(planStoryboard(3600, 1920, 1080)).toMatchObject({ intervalSeconds: 36, count: 100, sprites: 1 });
    expect(planStoryboard(250, 640, 480)).toMatchObject({ intervalSeconds: 3, count: 84 });
  });

  it('writes cues that cover the video and point inside the sprite grid', () => {
    const plan = planStoryboard(12.5, 320, 240);
    const vtt = buildStoryboardVtt(plan, 12.5);
    expect(vtt.startsWith('WEBVTT\n')).toBe(true);
    const cues = [...vtt.matchAll(/(\S+) --> (\S+)\n(storyboard_\d{3}\.jpg)#xywh=(\d+),(\d+),(\d+),(\d+)/g)];
    expect(cues).toHaveLength(13);
    expect(cues.at(-1)?.[2]).toBe('00:00:12.500');
    for (const cue of cues) {
      expect(Number(cue[4]) + Number(cue[6])).toBeLessThanOrEqual(10 * plan.thumbWidth);
      expect(Number(cue[5]) + Number(cue[7])).toBeLessThanOrEqual(10 * plan.thumbHeight);
    }
  });

  it('tiles 10×10 per sprite and writes only as many sprites as needed', () => {
    const args = buildStoryboardArgs('/m/s.mp4', '/m/out', planStoryboard(250, 640, 480), 250);
    expect(args[args.indexOf('-vf') + 1]).toBe('fps=1/3,scale=160:120,setsar=1,tile=10x10');
    expect(args[args.indexOf('-frames:v') + 1]).toBe('1');
  });
});

describe('audio', () => {
  it('measures EBU R128 with true peak in the same pass as the AAC encode', () => {
    const args = buildAudioArgs('/m/s.mp4', '/m/out', 30);
    expect(args).toContain('ebur128=peak=true:framelog=verbose');
    expect(args).toContain('/m/out/audio.m4a');
  });

  it('reads the ebur128 summary', () => {
    const stderr = `[Parsed_ebur128_0 @ 0x1] Summary:\n\n  Integrated loudness:\n    I:         -21.8 LUFS\n    Threshold: -31.8 LUFS\n\n  Loudness range:\n    LRA:         1.5 LU\n\n  True peak:\n    Peak:      -13.1 dBFS\n`;
    expect(parseLoudnessSummary(`noise\n${stderr}`)).toEqual({
      integratedLufs: -21.8,
      truePeakDbtp: -13.1,
      rangeLu: 1.5,
    });
    expect(parseLoudnessSummary('no summary here')).toBeNull();
    expect(parseLoudnessSummary('Summary:\n I: -inf LUFS\n Peak: -inf dBFS')).toMatchObject({
      integratedLufs: -Infinity,
    });
  });

  it('takes the peak of each bucket of 16-bit PCM', () => {
    const pcm = Buffer.alloc(8);
    [100, -16384, 0, 32767].forEach((sample, i) => pcm.writeInt16LE(sample, i * 2));
    const accumulator = createPeakAccumulator(4, 2);
    accumulator.push(pcm);
    expect(accumulator.peaks()).toEqual([0.5, 1]);
    expect(createPeakAccumulator(0, 10).peaks()).toEqual([]);
  });
});

describe('scenes', () => {
  it('detects on a small copy of the picture', () => {
    const args = buildScenesArgs('/m/s.mp4', { durationSeconds: 30 });
    expect(args[args.indexOf('-vf') + 1]).toBe('scale=320:-2:flags=fast_bilinear,scdet=threshold=10');
  });

  it("copies none of the file's tags or chapters into the output header it prints on stderr", () => {
    const args = buildScenesArgs('/m/s.mp4', { durationSeconds: 30 }).join(' ');
    expect(args).toContain('-map_metadata -1 -map_metadata:s -1 -map_chapters -1');
  });

  it("reads scdet's cuts, whatever the chunking", () => {
    const parser = createSceneParser();
    parser.push('Stream mapping:\n[scdet @ 0x1] lavfi.scd.score: 29.083, lavfi.scd');
    parser.push('.time: 2\nunrelated line\n[scdet @ 0x1] lavfi.scd.score: 50, lavfi.scd.time: 4.04\n');
    expect(parser.cuts()).toEqual([
      { time: 2, score: 0.291 },
      { time: 4.04, score: 0.5 },
    ]);
  });
});
