import { parse, types } from 'hls-parser';
import { avcCodecString, formatMasterPlaylist, measuredBandwidth } from '../../src/media/hls-master';

describe('formatMasterPlaylist', () => {
  it('writes the audio group and every variant attribute the authoring rules ask for', () => {
    const text = formatMasterPlaylist(
      [
        {
          uri: '720p/playlist.m3u8',
          bandwidth: 3_100_000.4,
          averageBandwidth: 2_900_000,
          codecs: 'avc1.64001f,mp4a.40.2',
          width: 1280,
          height: 720,
          frameRate: 30000 / 1001,
        },
      ],
      [{ uri: 'audio-0/playlist.m3u8', name: `Director's "cut"`, language: 'und', channels: 2, default: true }],
    );
    expect(text).toContain('#EXT-X-INDEPENDENT-SEGMENTS');
    expect(text).toContain('FRAME-RATE=29.970');
    expect(text).toContain('NAME="Director\u2019s \u201dcut\u201d"');
    const master = parse(text);
    if (!(master instanceof types.MasterPlaylist)) throw new Error('not a master playlist');
    const [variant] = master.variants;
    expect(variant).toMatchObject({
      bandwidth: 3_100_000,
      averageBandwidth: 2_900_000,
      codecs: 'avc1.64001f,mp4a.40.2',
    });
    expect(variant?.resolution).toEqual({ width: 1280, height: 720 });
    expect(variant?.audio[0]).toMatchObject({ type: 'AUDIO', groupId: 'audio', language: 'und', isDefault: true });
  });

  it('leaves the audio out of a video without it', () => {
    const text = formatMasterPlaylist(
      [
        {
          uri: 'a/p.m3u8',
          bandwidth: 1,
          averageBandwidth: 1,
          codecs: 'avc1.640015',
          width: 2,
          height: 2,
          frameRate: null,
        },
      ],
      [],
    );
    expect(text).not.toContain('AUDIO');
    expect(text).not.toContain('FRAME-RATE');
  });
});

describe('avcCodecString', () => {
  it('spells profile, constraints and level in hex', () => {
    expect(avcCodecString('High', 40)).toBe('avc1.640028');
    expect(avcCodecString('Main', 31)).toBe('avc1.4d401f');
    expect(avcCodecString('Constrained Baseline', 30)).toBe('avc1.42c01e');
  });
});

describe('measuredBandwidth', () => {
  it('takes the peak over runs of segments lasting half to one and a half target durations, the average over all', () => {
    const rate = measuredBandwidth(
      [
        { bytes: 1_000_000, seconds: 4 },
        { bytes: 3_000_000, seconds: 4 },
        // A last segment of a few frames: its rate alone is not a peak (0.1 s is under half the target), only with
        // the segment before it.
        { bytes: 200_000, seconds: 0.1 },
      ],
      4,
    );
    expect(rate.peak).toBeCloseTo((3_200_000 * 8) / 4.1, 6);
    expect(rate.average).toBeCloseTo((4_200_000 * 8) / 8.1, 3);
  });

  it('counts a short last segment with the one before it', () => {
    // 1 s: under half the 4-s target alone, so it is measured with the segment before it (5 s, within 1.5 ×).
    const rate = measuredBandwidth(
      [
        { bytes: 500_000, seconds: 4 },
        { bytes: 1_000_000, seconds: 1 },
      ],
      4,
    );
    expect(rate.peak).toBe((1_500_000 * 8) / 5);
    // And only runs within the bounds: two 4-s segments together (8 s) are past 1.5 × 4.
    const steady = measuredBandwidth(
      [
        { bytes: 4_000_000, seconds: 4 },
        { bytes: 1_000_000, seconds: 4 },
      ],
      4,
    );
    expect(steady.peak).toBe(8_000_000);
  });
});
