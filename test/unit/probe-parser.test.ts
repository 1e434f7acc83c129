import { MediaError } from '../../src/media/errors';
import { buildProbeArgs, parseProbeOutput } from '../../src/media/probe';

const video = {
  codec_type: 'video',
  codec_name: 'h264',
  width: 1920,
  height: 1080,
  avg_frame_rate: '30000/1001',
  pix_fmt: 'yuv420p',
};
const audio = { codec_type: 'audio', codec_name: 'aac', channels: 2, sample_rate: '48000' };
const format = { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '12.5', size: '1000', bit_rate: '640' };

function expectInvalid(json: string, message: RegExp): void {
  let thrown: unknown;
  try {
    parseProbeOutput(json);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(MediaError);
  expect((thrown as MediaError).kind).toBe('InvalidMedia');
  expect((thrown as MediaError).message).toMatch(message);
}

describe('buildProbeArgs', () => {
  it('reads only the local file, through real containers only', () => {
    const args = buildProbeArgs('/data/media/demo/source.mp4');
    expect(args).toEqual(expect.arrayContaining(['-protocol_whitelist', 'file,pipe', '-format_whitelist']));
    expect(args.at(-1)).toBe('file:/data/media/demo/source.mp4');
    const formats = args[args.indexOf('-format_whitelist') + 1]!.split(',');
    expect(formats).not.toContain('hls');
    expect(formats).not.toContain('concat');
  });
});

describe('parseProbeOutput', () => {
  it('reads size, duration, codecs and frame rate', () => {
    const info = parseProbeOutput(JSON.stringify({ streams: [video, audio], format }));
    expect(info).toMatchObject({
      width: 1920,
      height: 1080,
      durationSeconds: 12.5,
      videoCodec: 'h264',
      frameRate: 29.97,
      hasAudio: true,
      audioChannels: 2,
      sampleRate: 48000,
      sizeBytes: 1000,
    });
  });

  it('knows a silent video', () => {
    expect(parseProbeOutput(JSON.stringify({ streams: [video], format })).hasAudio).toBe(false);
  });

  it('falls back to the stream duration and leaves an unknown frame rate null', () => {
    const info = parseProbeOutput(
      JSON.stringify({ streams: [{ ...video, avg_frame_rate: '0/0', duration: '3.2' }], format: { format_name: 'x' } }),
    );
    expect(info.durationSeconds).toBe(3.2);
    expect(info.frameRate).toBeNull();
  });

  it('refuses a file with only audio, or only cover art', () => {
    expectInvalid(JSON.stringify({ streams: [audio], format }), /^an audio file with no video in it$/);
    const coverArt = { ...video, disposition: { attached_pic: 1 } };
    expectInvalid(JSON.stringify({ streams: [audio, coverArt], format }), /^an audio file with cover art/);
  });

  it('refuses a subtitle file', () => {
    expectInvalid(
      JSON.stringify({ streams: [{ codec_type: 'subtitle', codec_name: 'subrip' }], format }),
      /^a subtitle file/,
    );
  });

  it('says a PQ or HLG source is HDR, and an SDR one is not', () => {
    const hdrOf = (color_transfer: string) =>
      parseProbeOutput(JSON.stringify({ streams: [{ ...video, color_transfer }], format })).hdr;
    expect(hdrOf('smpte2084')).toBe(true);
    expect(hdrOf('arib-std-b67')).toBe(true);
    expect(hdrOf('bt709')).toBe(false);
  });

  it('takes the default audio track as the main audio, else the first, and lists them all', () => {
    const french = { ...audio, channels: 1, tags: { language: 'fra' }, disposition: { default: 0 } };
    const english = {
      ...audio,
      codec_name: 'opus',
      tags: { language: 'eng', title: 'English' },
      disposition: { default: 1 },
    };
    const info = parseProbeOutput(JSON.stringify({ streams: [video, french, english], format }));
    expect(info).toMatchObject({ audioTrack: 1, audioCodec: 'opus', audioChannels: 2 });
    expect(info.audioTracks).toEqual([
      { codec: 'aac', channels: 1, language: 'fra', title: null, default: false },
      { codec: 'opus', channels: 2, language: 'eng', title: 'English', default: true },
    ]);
    const untagged = parseProbeOutput(JSON.stringify({ streams: [video, audio, audio], format }));
    expect(untagged.audioTrack).toBe(0);
    expect(untagged.audioTracks?.map((track) => [track.language, track.default])).toEqual([
      ['und', false],
      ['und', false],
    ]);
  });

  it('refuses a video without size or duration', () => {
    expectInvalid(JSON.stringify({ streams: [{ ...video, width: 0 }], format }), /frame size/);
    expectInvalid(JSON.stringify({ streams: [video], format: { ...format, duration: '0' } }), /duration/);
    expectInvalid(JSON.stringify({ streams: [video], format: { ...format, duration: 'N/A' } }), /duration/);
  });

  it('reports the display shape of non-square pixels and rotated frames', () => {
    const anamorphic = { ...video, width: 720, height: 576, sample_aspect_ratio: '64:45' };
    expect(parseProbeOutput(JSON.stringify({ streams: [anamorphic], format }))).toMatchObject({
      width: 1024,
      height: 576,
      codedWidth: 720,
    });
    const portrait = { ...video, side_data_list: [{ rotation: -90 }] };
    expect(parseProbeOutput(JSON.stringify({ streams: [portrait], format }))).toMatchObject({
      width: 1080,
      height: 1920,
      rotation: 90,
    });
    const tagged = { ...video, tags: { rotate: '180' } };
    expect(parseProbeOutput(JSON.stringify({ streams: [tagged], format }))).toMatchObject({
      width: 1920,
      rotation: 180,
    });
  });

  it('knows interlaced video', () => {
    const fields = { ...video, field_order: 'tt' };
    expect(parseProbeOutput(JSON.stringify({ streams: [fields], format })).interlaced).toBe(true);
    expect(parseProbeOutput(JSON.stringify({ streams: [video], format })).interlaced).toBe(false);
  });

  it('refuses, as unsupported, frames above 8192 pixels and videos over 6 hours', () => {
    const kindOf = (json: string) => {
      try {
        parseProbeOutput(json);
        return null;
      } catch (error) {
        return (error as MediaError).kind;
      }
    };
    const huge = { ...video, width: 10000, height: 10000 };
    expect(kindOf(JSON.stringify({ streams: [huge], format }))).toBe('UnsupportedMedia');
    const long = { ...format, duration: String(7 * 3600) };
    expect(kindOf(JSON.stringify({ streams: [video], format: long }))).toBe('UnsupportedMedia');
  });

  it('refuses, as unsupported, a small frame whose pixel aspect or rotation makes its display shape too large', () => {
    const refusal = (stream: object) => {
      try {
        parseProbeOutput(JSON.stringify({ streams: [stream], format }));
        return null;
      } catch (error) {
        return error as MediaError;
      }
    };
    const wide = refusal({ ...video, width: 320, height: 240, sample_aspect_ratio: '1000:1' });
    expect(wide?.kind).toBe('UnsupportedMedia');
    expect(wide?.message).toMatch(/320000x240/);
    const turned = refusal({
      ...video,
      width: 320,
      height: 240,
      sample_aspect_ratio: '30:1',
      side_data_list: [{ rotation: -90 }],
    });
    expect(turned?.kind).toBe('UnsupportedMedia');
    expect(turned?.message).toMatch(/240x9600/);
    // At the limit is still a video.
    expect(refusal({ ...video, width: 4096, height: 2160, sample_aspect_ratio: '2:1' })).toBeNull();
  });

  it('refuses output that is not ffprobe JSON', () => {
    expectInvalid('', /^not a media file/);
    expectInvalid('null', /no information/);
    expectInvalid('{"streams": "nope"}', /no video stream/);
  });
});
