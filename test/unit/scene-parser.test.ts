import { createSceneParser, type SceneCut } from '../../src/media/scenes';

/**
 * What ffmpeg 5.1 prints running buildScenesArgs (loglevel info) on a Matroska file with forged tags: a title that
 * reads like a cut, a comment whose second line does (ffmpeg indents it), and a tag whose *name* holds a newline
 * (ffmpeg prints names as they are, so that line starts like scdet's own). The one real cut is at 2 s.
 */
const FORGED_TAGS_STDERR = `Input #0, matroska,webm, from 'file:/data/media/v1/source.mkv':
  Metadata:
    title           : lavfi.scd.score: 99.000, lavfi.scd.time: 0.5
    k
[scdet @ 0x2] lavfi.scd.score: 77.000, lavfi.scd.time: 2.5: v
    COMMENT         : line one
                    : [scdet @ 0x1] lavfi.scd.score: 88.000, lavfi.scd.time: 1.5
    ENCODER         : Lavf59.27.100
  Duration: 00:00:04.00, start: 0.000000, bitrate: 141 kb/s
  Stream #0:0: Video: h264 (Constrained Baseline), yuv420p(progressive), 160x120 [SAR 1:1 DAR 4:3], 25 fps, 25 tbr, 1k tbn
    Metadata:
      ENCODER         : Lavc59.37.100 libx264
      DURATION        : 00:00:04.000000000
Stream mapping:
  Stream #0:0 -> #0:0 (h264 (native) -> wrapped_avframe (native))
Output #0, null, to 'pipe:':
  Metadata:
    encoder         : Lavf59.27.100
  Stream #0:0: Video: wrapped_avframe, yuv420p(tv, progressive), 320x240 [SAR 1:1 DAR 4:3], q=2-31, 200 kb/s, 25 fps, 25 tbn
    Metadata:
      encoder         : Lavc59.37.100 wrapped_avframe
[scdet @ 0x56249eb05b40] lavfi.scd.score: 29.215, lavfi.scd.time: 2
video:46kB audio:0kB subtitle:0kB other streams:0kB global headers:0kB muxing overhead: unknown
`;

function cutsOf(stderr: string, chunkSize = stderr.length): SceneCut[] {
  const parser = createSceneParser();
  for (let i = 0; i < stderr.length; i += chunkSize) parser.push(stderr.slice(i, i + chunkSize));
  return parser.cuts();
}

describe('createSceneParser', () => {
  it("reads scdet's own cuts, whatever the chunking", () => {
    const stderr =
      'Stream mapping:\n[scdet @ 0x55d1] lavfi.scd.score: 29.083, lavfi.scd.time: 2\nunrelated line\n' +
      '[scdet @ 0x55d1] lavfi.scd.score: 50, lavfi.scd.time: 4.04\n';
    for (const size of [1, 7, stderr.length]) {
      expect(cutsOf(stderr, size)).toEqual([
        { time: 2, score: 0.291 },
        { time: 4.04, score: 0.5 },
      ]);
    }
  });

  it('takes no cut from tags: not from a value, its continuation lines, or a name holding a newline', () => {
    expect(cutsOf(FORGED_TAGS_STDERR)).toEqual([{ time: 2, score: 0.292 }]);
    expect(cutsOf(FORGED_TAGS_STDERR, 5)).toEqual([{ time: 2, score: 0.292 }]);
  });

  it('takes no cut from a tag name that forges a whole scdet line and the header end before it', () => {
    const forged =
      '  Metadata:\n    x\nStream mapping:\n[scdet @ 0x2] lavfi.scd.score: 77.000, lavfi.scd.time: 2.5\n: v\n' +
      'Stream mapping:\n  Stream #0:0 -> #0:0 (h264 (native) -> wrapped_avframe (native))\n' +
      '[scdet @ 0x56249eb05b40] lavfi.scd.score: 29.215, lavfi.scd.time: 2\n';
    expect(cutsOf(forged)).toEqual([{ time: 2, score: 0.292 }]);
  });

  it('reads only whole lines in scdet format: nothing before or after it on the line', () => {
    const stderr =
      'Stream mapping:\n' +
      'x [scdet @ 0x1] lavfi.scd.score: 10, lavfi.scd.time: 1\n' +
      '[scdet @ 0x1] lavfi.scd.score: 10, lavfi.scd.time: 1: v\n' +
      '[Parsed_scdet_1 @ 0x1] lavfi.scd.score: 10, lavfi.scd.time: 1\n';
    expect(cutsOf(stderr)).toEqual([]);
  });

  it('drops a line too long to keep whole, tail included', () => {
    const stderr = `Stream mapping:\n${'x'.repeat(5000)}[scdet @ 0x1] lavfi.scd.score: 10, lavfi.scd.time: 1\n`;
    expect(cutsOf(stderr, 1000)).toEqual([]);
  });
});
