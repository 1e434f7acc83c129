/**
 * The master playlist, written by us rather than by ffmpeg, to Apple's HLS authoring specification: every variant
 * names its measured peak and average bandwidth, its codecs, resolution and frame rate, and the audio group it plays
 * with; the audio is one rendition in that group, shared by every variant.
 */
export interface MasterVariant {
  uri: string;
  /** Peak bits per second of any one segment, the audio's peak included (the spec's BANDWIDTH). */
  bandwidth: number;
  /** Bits per second over the whole presentation, audio included (AVERAGE-BANDWIDTH). */
  averageBandwidth: number;
  /** RFC 6381 codec strings of the variant and of its audio, e.g. `avc1.640028,mp4a.40.2`. */
  codecs: string;
  width: number;
  height: number;
  frameRate: number | null;
}

export interface MasterAudio {
  uri: string;
  name: string;
  /** A language tag from the source; `und` when it names none. */
  language: string;
  channels: number;
  default: boolean;
}

/** The audio group's id in the master playlist. */
export const AUDIO_GROUP_ID = 'audio';

/** AAC-LC, the audio every rendition plays. */
export const AAC_LC_CODEC = 'mp4a.40.2';

export function formatMasterPlaylist(variants: readonly MasterVariant[], audio: readonly MasterAudio[]): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:6', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const track of audio) {
    lines.push(
      '#EXT-X-MEDIA:' +
        [
          'TYPE=AUDIO',
          `GROUP-ID=${quoted(AUDIO_GROUP_ID)}`,
          `NAME=${quoted(track.name)}`,
          `LANGUAGE=${quoted(track.language)}`,
          `DEFAULT=${track.default ? 'YES' : 'NO'}`,
          'AUTOSELECT=YES',
          `CHANNELS=${quoted(String(track.channels))}`,
          `URI=${quoted(track.uri)}`,
        ].join(','),
    );
  }
  for (const variant of variants) {
    const attributes = [
      `BANDWIDTH=${Math.round(variant.bandwidth)}`,
      `AVERAGE-BANDWIDTH=${Math.round(variant.averageBandwidth)}`,
      `CODECS=${quoted(variant.codecs)}`,
      `RESOLUTION=${variant.width}x${variant.height}`,
      ...(variant.frameRate === null ? [] : [`FRAME-RATE=${variant.frameRate.toFixed(3)}`]),
      ...(audio.length > 0 ? [`AUDIO=${quoted(AUDIO_GROUP_ID)}`] : []),
    ];
    lines.push(`#EXT-X-STREAM-INF:${attributes.join(',')}`, variant.uri);
  }
  lines.push('');
  return lines.join('\n');
}

/**
 * The RFC 6381 string of an H.264 stream from what ffprobe says of it: `avc1.` + profile_idc, the constraint flags
 * and level_idc, in hex, with the constraint flags x264 writes for that profile.
 */
export function avcCodecString(profile: string, level: number): string {
  const profiles: Record<string, [number, number]> = {
    // x264 sets constraint_set0 for Baseline and constraint_set1 for Baseline and Main (its SPS writer).
    'Constrained Baseline': [66, 0xc0],
    Baseline: [66, 0xc0],
    Main: [77, 0x40],
    High: [100, 0],
  };
  const [idc, flags] = profiles[profile] ?? [100, 0];
  const hex = (value: number) => value.toString(16).padStart(2, '0');
  return `avc1.${hex(idc)}${hex(flags)}${hex(level)}`;
}

/**
 * Peak and average bits per second of a playlist's segments, from their sizes and lengths. The peak is the HLS
 * spec's: the highest rate of any run of consecutive segments lasting 0.5–1.5 × the target duration, so a last
 * segment of a few frames (mostly one keyframe) does not pass for the variant's peak on its own.
 */
export function measuredBandwidth(
  segments: readonly { bytes: number; seconds: number }[],
  targetSeconds: number,
): { peak: number; average: number } {
  let peak = 0;
  for (let first = 0; first < segments.length; first += 1) {
    let bytes = 0;
    let seconds = 0;
    for (let last = first; last < segments.length; last += 1) {
      bytes += segments[last]?.bytes ?? 0;
      seconds += segments[last]?.seconds ?? 0;
      if (seconds > 1.5 * targetSeconds) break;
      if (seconds >= 0.5 * targetSeconds) peak = Math.max(peak, (bytes * 8) / seconds);
    }
  }
  const bytes = segments.reduce((sum, segment) => sum + segment.bytes, 0);
  const seconds = segments.reduce((sum, segment) => sum + segment.seconds, 0);
  const average = seconds > 0 ? (bytes * 8) / seconds : 0;
  return { peak: Math.max(peak, average), average };
}

function quoted(value: string): string {
  // The spec's quoted-string cannot hold a double quote or a line break; some parsers take an apostrophe for a
  // quote too (a title like "Director's cut"), so both become their typographic forms, which mean the same to a
  // reader.
  return `"${value
    .replace(/[\r\n]+/g, ' ')
    .replace(/"/g, '\u201d')
    .replace(/'/g, '\u2019')}"`;
}
