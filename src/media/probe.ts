import { MediaError } from './errors';

/** What the rest of the pipeline needs to know about a source video. */
export interface VideoInfo {
  durationSeconds: number;
  width: number;
  height: number;
  videoCodec: string;
  /** Average frames per second, or null when the container does not say. */
  frameRate: number | null;
  pixelFormat: string | null;
  hasAudio: boolean;
  audioCodec: string | null;
  audioChannels: number | null;
  sampleRate: number | null;
  formatName: string;
  sizeBytes: number | null;
  bitRate: number | null;
}

/** Only local files, never a network or playlist protocol: a file named .mp4 may be an HLS playlist pointing anywhere. */
export const PROTOCOL_WHITELIST = 'file,pipe';

/** Real containers only; `hls`, `concat` and friends are refused because they open other files or URLs. */
export const FORMAT_WHITELIST = [
  'mov',
  'mp4',
  'matroska',
  'webm',
  'avi',
  'mpeg',
  'mpegts',
  'flv',
  'asf',
  'ogg',
  'mxf',
  'dv',
  'h264',
  'hevc',
  'm4v',
  'mpegvideo',
].join(',');

export function buildProbeArgs(sourcePath: string): string[] {
  return [
    '-v',
    'error',
    '-protocol_whitelist',
    PROTOCOL_WHITELIST,
    '-format_whitelist',
    FORMAT_WHITELIST,
    '-print_format',
    'json',
    '-show_format',
    '-show_streams',
    '-i',
    `file:${sourcePath}`,
  ];
}

interface RawStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  pix_fmt?: string;
  channels?: number;
  sample_rate?: string;
  duration?: string;
  disposition?: { attached_pic?: number };
}

interface RawProbe {
  streams?: RawStream[];
  format?: { format_name?: string; duration?: string; size?: string; bit_rate?: string };
}

/**
 * Turns ffprobe's JSON into VideoInfo. Throws MediaError('InvalidMedia') for anything that is not a playable video:
 * unparseable output, no video stream (cover art does not count), no size, no duration.
 */
export function parseProbeOutput(json: string): VideoInfo {
  let raw: RawProbe;
  try {
    raw = JSON.parse(json) as RawProbe;
  } catch (error) {
    throw new MediaError('InvalidMedia', 'ffprobe output is not JSON: the file could not be read as media', {
      cause: error,
    });
  }
  if (typeof raw !== 'object' || raw === null) throw new MediaError('InvalidMedia', 'ffprobe returned no information');
  const streams = Array.isArray(raw.streams) ? raw.streams : [];
  const video = streams.find((stream) => stream.codec_type === 'video' && stream.disposition?.attached_pic !== 1);
  if (video === undefined) throw new MediaError('InvalidMedia', 'the file has no video stream');
  const width = positiveInt(video.width);
  const height = positiveInt(video.height);
  if (width === null || height === null) throw new MediaError('InvalidMedia', 'the video stream has no frame size');
  const durationSeconds = positiveNumber(raw.format?.duration) ?? positiveNumber(video.duration);
  if (durationSeconds === null) throw new MediaError('InvalidMedia', 'the video has no duration');
  const audio = streams.find((stream) => stream.codec_type === 'audio');

  return {
    durationSeconds,
    width,
    height,
    videoCodec: video.codec_name ?? 'unknown',
    frameRate: parseRate(video.avg_frame_rate) ?? parseRate(video.r_frame_rate),
    pixelFormat: video.pix_fmt ?? null,
    hasAudio: audio !== undefined,
    audioCodec: audio?.codec_name ?? null,
    audioChannels: positiveInt(audio?.channels),
    sampleRate: positiveNumber(audio?.sample_rate),
    formatName: raw.format?.format_name ?? 'unknown',
    sizeBytes: positiveNumber(raw.format?.size),
    bitRate: positiveNumber(raw.format?.bit_rate),
  };
}

function positiveNumber(value: unknown): number | null {
  const number = typeof value === 'string' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) && number > 0 ? number : null;
}

function positiveInt(value: unknown): number | null {
  const number = positiveNumber(value);
  return number !== null && Number.isInteger(number) ? number : null;
}

/** ffprobe writes rates as fractions ("30000/1001"); "0/0" means unknown. */
function parseRate(value: string | undefined): number | null {
  if (value === undefined) return null;
  const [numerator, denominator] = value.split('/').map(Number);
  if (numerator === undefined || denominator === undefined || !(denominator > 0) || !(numerator > 0)) return null;
  return Math.round((numerator / denominator) * 1000) / 1000;
}
