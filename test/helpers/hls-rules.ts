import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parse, types } from 'hls-parser';
import { HLS_SEGMENT_SECONDS } from '../../src/media/ladder';
import { audioStart, decodedSeconds, ffprobe, opensWithKeyframe, videoStart } from './media';

/**
 * Checks a published ladder against Apple's HLS authoring rules, read with an independent parser (hls-parser) and
 * ffprobe/ffmpeg, not with the code that wrote it:
 * - master: EXT-X-INDEPENDENT-SEGMENTS; the audio (when the source has it) TYPE=AUDIO renditions of one group, each
 *   with GROUP-ID, NAME, LANGUAGE, DEFAULT and AUTOSELECT, one of them the default; every variant with BANDWIDTH at least the peak of its segments (audio
 *   included), AVERAGE-BANDWIDTH, CODECS naming video and audio, RESOLUTION, FRAME-RATE and AUDIO;
 * - every media playlist: no segment longer than its target duration, every video segment opening with an IDR and
 *   holding video only, every audio segment audio only;
 * - every rendition and the audio decode whole, at the source's duration, and start together.
 */
export async function expectAppleHlsRules(
  dir: string,
  expected: { durationSeconds: number; hasAudio: boolean; language?: string },
): Promise<void> {
  const master = parse(await fs.readFile(path.join(dir, 'master.m3u8'), 'utf8'));
  if (!(master instanceof types.MasterPlaylist)) throw new Error('master.m3u8 is not a master playlist');
  expect(master.independentSegments).toBe(true);
  expect(master.variants.length).toBeGreaterThan(0);

  const audio = master.variants[0]?.audio ?? [];
  let audioPeak = 0;
  let audioStarts = NaN;
  if (expected.hasAudio) {
    // One rendition per audio stream of the source, one of them the default: the main one, in its language.
    expect(audio.length).toBeGreaterThan(0);
    expect(new Set(audio.map((track) => track.name)).size).toBe(audio.length);
    const defaults = audio.filter((track) => track.isDefault);
    expect(defaults).toHaveLength(1);
    expect(defaults[0]?.language).toBe(expected.language ?? 'und');
    for (const track of audio) {
      expect(track.type).toBe('AUDIO');
      expect(track.groupId).toBe(audio[0]?.groupId);
      expect(track.name).toBeTruthy();
      expect(track.language).toBeTruthy();
      expect(track.autoselect).toBe(true);
      const playlist = path.join(dir, track.uri ?? 'missing');
      const { peak } = await checkMediaPlaylist(playlist, false);
      audioPeak = Math.max(audioPeak, peak);
      expect(await decodedSeconds(playlist, 'a')).toBeCloseTo(expected.durationSeconds, 0);
      if (track.isDefault) audioStarts = await audioStart(playlist);
    }
  } else {
    expect(audio).toHaveLength(0);
  }

  for (const variant of master.variants) {
    expect(variant.bandwidth).toBeGreaterThan(0);
    expect(variant.averageBandwidth).toBeGreaterThan(0);
    expect(variant.averageBandwidth ?? Infinity).toBeLessThanOrEqual(variant.bandwidth);
    expect(variant.codecs).toMatch(expected.hasAudio ? /^avc1\.[0-9a-f]{6},mp4a\.40\.2$/ : /^avc1\.[0-9a-f]{6}$/);
    expect(variant.resolution?.width).toBeGreaterThan(0);
    expect(variant.resolution?.height).toBeGreaterThan(0);
    expect(variant.frameRate).toBeGreaterThan(0);
    if (expected.hasAudio) expect(new Set(variant.audio.map((a) => a.groupId))).toEqual(new Set([audio[0]?.groupId]));
    const playlist = path.join(dir, variant.uri);
    const { peak } = await checkMediaPlaylist(playlist, true);
    // BANDWIDTH is the peak: no segment's own rate (with the audio's peak beside it) may exceed it.
    expect(variant.bandwidth).toBeGreaterThanOrEqual(Math.floor(peak + audioPeak) - 1);
    expect(await decodedSeconds(playlist, 'v')).toBeCloseTo(expected.durationSeconds, 0);
    if (expected.hasAudio) expect(Math.abs((await videoStart(playlist)) - audioStarts)).toBeLessThan(0.1);
  }
}

/** A media playlist's rules; returns the peak bit rate of its whole segments. */
async function checkMediaPlaylist(file: string, video: boolean): Promise<{ peak: number }> {
  const playlist = parse(await fs.readFile(file, 'utf8'));
  if (!(playlist instanceof types.MediaPlaylist)) throw new Error(`${file} is not a media playlist`);
  expect(playlist.endlist).toBe(true);
  // The ladder's segments are 4 s (a clip shorter than that, one shorter segment): a target above it would mean a
  // missed cut somewhere (an 8-s segment).
  expect(playlist.targetDuration).toBeLessThanOrEqual(HLS_SEGMENT_SECONDS);
  expect(playlist.segments.length).toBeGreaterThan(0);
  let peak = 0;
  for (const segment of playlist.segments) {
    expect(Math.round(segment.duration)).toBeLessThanOrEqual(playlist.targetDuration);
    const segmentFile = path.join(path.dirname(file), segment.uri);
    if (video) expect(await opensWithKeyframe(segmentFile)).toBe(true);
    // Audio is encoded once, as a rendition of its own: a video segment carries video only, an audio one audio only.
    const kinds = (await ffprobe(segmentFile)).streams.map((stream) => stream.codec_type);
    expect([...new Set(kinds)]).toEqual([video ? 'video' : 'audio']);
    const { size } = await fs.stat(segmentFile);
    if (segment.duration >= 0.5) peak = Math.max(peak, (size * 8) / segment.duration);
  }
  return { peak };
}
