import fc from 'fast-check';
import {
  contiguousFromStart,
  formatPrefix,
  formatVodPlaylist,
  keepableSegments,
  listedSegments,
  looksLikeWholeTransportStream,
  onTheClock,
  resumeSegment,
  segmentFileName,
} from '../../src/media/hls-playlist';

/** What ffmpeg 5.1 writes for a 10-second rendition with `-hls_playlist_type vod`. */
const FFMPEG_VOD = [
  '#EXTM3U',
  '#EXT-X-VERSION:6',
  '#EXT-X-TARGETDURATION:4',
  '#EXT-X-MEDIA-SEQUENCE:0',
  '#EXT-X-PLAYLIST-TYPE:VOD',
  '#EXT-X-INDEPENDENT-SEGMENTS',
  '#EXTINF:4.000000,',
  'segment_0000.ts',
  '#EXTINF:4.000000,',
  'segment_0001.ts',
  '#EXTINF:2.000000,',
  'segment_0002.ts',
  '#EXT-X-ENDLIST',
  '',
].join('\n');

/** What it has written of an EVENT playlist two segments in, starting at segment 5 (a resumed encode). */
const FFMPEG_EVENT_RUNNING = [
  '#EXTM3U',
  '#EXT-X-VERSION:6',
  '#EXT-X-TARGETDURATION:4',
  '#EXT-X-MEDIA-SEQUENCE:5',
  '#EXT-X-PLAYLIST-TYPE:EVENT',
  '#EXT-X-INDEPENDENT-SEGMENTS',
  '#EXTINF:4.000000,',
  'segment_0005.ts',
  '#EXTINF:4.033333,',
  'segment_0006.ts',
].join('\n');

describe('HLS playlists of a resumable encode', () => {
  it('reads the segments a playlist lists, with their indices and lengths', () => {
    expect(listedSegments(FFMPEG_EVENT_RUNNING)).toEqual([
      { index: 5, seconds: 4, uri: 'segment_0005.ts' },
      { index: 6, seconds: 4.033333, uri: 'segment_0006.ts' },
    ]);
  });

  it('writes a VOD playlist in the form ffmpeg 5.1 writes (the fixture is its output)', () => {
    expect(formatVodPlaylist(listedSegments(FFMPEG_VOD))).toBe(FFMPEG_VOD);
  });

  it('never keeps the last segment of an ended playlist: a stopped ffmpeg closes its segment early', () => {
    const stopped = FFMPEG_EVENT_RUNNING + '\n#EXTINF:4.000000,\nsegment_0007.ts\n#EXT-X-ENDLIST\n';
    expect(keepableSegments(stopped, 4).map((s) => s.index)).toEqual([5, 6]);
    expect(keepableSegments(FFMPEG_EVENT_RUNNING, 4).map((s) => s.index)).toEqual([5, 6]);
  });

  it('keeps nothing from a short segment on, which only a last or a cut segment can be', () => {
    const cut = FFMPEG_EVENT_RUNNING.replace('#EXTINF:4.033333,', '#EXTINF:1.200000,');
    expect(keepableSegments(cut, 4).map((s) => s.index)).toEqual([5]);
  });

  it('joins the kept prefix and a resumed playlist, stopping at the first gap', () => {
    const kept = listedSegments(
      formatPrefix([0, 1, 2, 3, 4].map((i) => ({ index: i, seconds: 4, uri: segmentFileName(i) }))),
    );
    expect(contiguousFromStart(kept, listedSegments(FFMPEG_EVENT_RUNNING)).map((s) => s.index)).toEqual([
      0, 1, 2, 3, 4, 5, 6,
    ]);
    expect(contiguousFromStart(kept.slice(0, 3), listedSegments(FFMPEG_EVENT_RUNNING))).toHaveLength(3);
  });

  it('resumes at the fewest whole segments of any rendition, always leaving media to encode', () => {
    expect(resumeSegment([7, 5, 9], 60, 4)).toBe(5);
    expect(resumeSegment([15, 15], 60, 4)).toBe(14);
    expect(resumeSegment([3], 60.5, 4)).toBe(3);
    expect(resumeSegment([], 60, 4)).toBe(0);
    expect(resumeSegment([2], 0.5, 4)).toBe(0);
  });

  it('never throws on arbitrary text, and lists only segment names with a usable length', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        for (const segment of [...listedSegments(text), ...keepableSegments(text, 4)]) {
          expect(segment.uri).toBe(segmentFileName(segment.index));
          expect(Number.isFinite(segment.seconds)).toBe(true);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('looksLikeWholeTransportStream', () => {
  it('accepts whole 188-byte packets opening with the sync byte, and nothing else', () => {
    expect(looksLikeWholeTransportStream(188 * 40, 0x47, 0x47)).toBe(true);
    expect(looksLikeWholeTransportStream(188 * 40 - 12, 0x47, 0x47)).toBe(false);
    expect(looksLikeWholeTransportStream(0, 0x47, 0x47)).toBe(false);
    expect(looksLikeWholeTransportStream(188 * 2, 0x00, 0x47)).toBe(false);
    expect(looksLikeWholeTransportStream(188 * 2, 0x47, 0x12)).toBe(false);
  });
});

describe('onTheClock', () => {
  const ntsc = 30000 / 1001;
  const startOf = (i: number) => Math.ceil(i * 4 * ntsc - 1e-6) / ntsc;
  const segment = (index: number, seconds: number) => ({ index, seconds, uri: segmentFileName(index) });

  it('keeps segments that start and end on the frame grid', () => {
    const grid = [0, 1, 2, 3].map((i) => segment(i, startOf(i + 1) - startOf(i)));
    expect(onTheClock(grid, startOf, 0.5 / ntsc)).toHaveLength(4);
  });

  it('stops at the first segment off the clock (a slideshow, late video)', () => {
    const slideshow = [segment(0, 4.004), segment(1, 8.008), segment(2, 4.004)];
    expect(onTheClock(slideshow, startOf, 0.5 / ntsc).map((s) => s.index)).toEqual([0]);
  });
});
