import { MediaError } from './errors';
import { REFUSALS } from './refusals';
import { HDR_TRANSFERS } from './tone-map';

/** What the rest of the pipeline needs to know about a source video. */
export interface VideoInfo {
  durationSeconds: number;
  /** Display size: square pixels, upright (ffmpeg applies the rotation when it decodes). Outputs are made at this shape. */
  width: number;
  height: number;
  /** Size of the stored frames, before pixel aspect and rotation. */
  codedWidth: number;
  codedHeight: number;
  /** Clockwise degrees the stored frames are turned to display them: 0, 90, 180 or 270. */
  rotation: number;
  /** Fields rather than frames (e.g. MPEG-2 from broadcast): deinterlaced before encoding. */
  interlaced: boolean;
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
  /**
   * PQ or HLG transfer (HDR10, HLG): the ladder is tone-mapped to SDR BT.709. Absent in infos probed before it was
   * known (read as false).
   */
  hdr?: boolean;
  /** The video's transfer as tagged (`smpte2084` for PQ, `arib-std-b67` for HLG, `bt709`…), null when untagged. */
  colorTransfer?: string | null;
  /** Which audio stream is the main audio (0-based among the audio streams): the default one, else the first. */
  audioTrack?: number;
  /** Every audio stream, in order. */
  audioTracks?: AudioTrack[];
}

export interface AudioTrack {
  codec: string | null;
  channels: number | null;
  /** ISO 639-2 as tagged, `und` when the file does not say. */
  language: string;
  title: string | null;
  /** Marked default by the file. */
  default: boolean;
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
  // Animated GIFs are processed as video; the audio formats are read only to name what the file is when refused.
  'gif',
  'mp3',
  'wav',
  'flac',
  'aac',
].join(',');

/** What every ffprobe of a source starts with: errors only, and only the whitelisted protocols and formats. */
export const FFPROBE_SAFETY_ARGS: readonly string[] = [
  '-v',
  'error',
  '-protocol_whitelist',
  PROTOCOL_WHITELIST,
  '-format_whitelist',
  FORMAT_WHITELIST,
];

export function buildProbeArgs(sourcePath: string): string[] {
  return [...FFPROBE_SAFETY_ARGS, '-print_format', 'json', '-show_format', '-show_streams', '-i', `file:${sourcePath}`];
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
  disposition?: { attached_pic?: number; default?: number };
  sample_aspect_ratio?: string;
  field_order?: string;
  color_transfer?: string;
  color_primaries?: string;
  tags?: { rotate?: string; language?: string; title?: string };
  side_data_list?: { rotation?: number }[];
}

/** Past these, a source is refused as UnsupportedMedia rather than left to run for hours or exhaust memory. */
export const MAX_FRAME_SIDE = 8192;
export const MAX_DURATION_SECONDS = 6 * 3600;

interface RawProbe {
  streams?: RawStream[];
  format?: { format_name?: string; duration?: string; size?: string; bit_rate?: string };
}

/** A probe's findings before the duration is settled: null when neither the container nor the stream says. */
export type ProbedVideo = Omit<VideoInfo, 'durationSeconds'> & { durationSeconds: number | null };

/**
 * Turns ffprobe's JSON into VideoInfo. Throws MediaError('InvalidMedia') for anything that is not a playable video,
 * saying what it is (./refusals): no video stream (cover art does not count), no size, no duration.
 */
export function parseProbeOutput(json: string): VideoInfo {
  const probed = readProbeOutput(json);
  if (probed.durationSeconds === null) throw new MediaError('InvalidMedia', 'the video has no duration');
  return { ...probed, durationSeconds: probed.durationSeconds };
}

/** parseProbeOutput, leaving a missing duration to be measured from the streams (see probe-file.ts). */
export function readProbeOutput(json: string): ProbedVideo {
  let raw: RawProbe;
  try {
    raw = JSON.parse(json) as RawProbe;
  } catch (error) {
    throw new MediaError('InvalidMedia', `${REFUSALS.notMedia}: ffprobe's output could not be read`, {
      cause: error,
    });
  }
  if (typeof raw !== 'object' || raw === null) throw new MediaError('InvalidMedia', 'ffprobe returned no information');
  const streams = Array.isArray(raw.streams) ? raw.streams : [];
  const video = streams.find((stream) => stream.codec_type === 'video' && stream.disposition?.attached_pic !== 1);
  if (video === undefined) throw new MediaError('InvalidMedia', withoutVideo(streams));
  const width = positiveInt(video.width);
  const height = positiveInt(video.height);
  if (width === null || height === null) throw new MediaError('InvalidMedia', 'the video stream has no frame size');
  const durationSeconds = positiveNumber(raw.format?.duration) ?? positiveNumber(video.duration);
  if (width > MAX_FRAME_SIDE || height > MAX_FRAME_SIDE) {
    throw new MediaError(
      'UnsupportedMedia',
      `frames of ${width}x${height} are above the ${MAX_FRAME_SIDE}-pixel limit`,
    );
  }
  if (durationSeconds !== null && durationSeconds > MAX_DURATION_SECONDS) {
    throw new MediaError('UnsupportedMedia', `the video lasts more than ${MAX_DURATION_SECONDS / 3600} hours`);
  }
  const audioStreams = streams.filter((stream) => stream.codec_type === 'audio');
  const defaultTrack = audioStreams.findIndex((stream) => stream.disposition?.default === 1);
  const audioTrack = Math.max(0, defaultTrack);
  const audio = audioStreams[audioTrack];
  const rotation = parseRotation(video);
  // Non-square pixels (anamorphic DV, MPEG-2): the display width is the stored width × the pixel aspect ratio.
  const pixelAspect = parseRatio(video.sample_aspect_ratio) ?? 1;
  const squareWidth = Math.max(2, Math.round((width * pixelAspect) / 2) * 2);
  const [displayWidth, displayHeight] = rotation % 180 === 0 ? [squareWidth, height] : [height, squareWidth];
  // Outputs are made at the display shape, so it is bounded like the stored one: a 1000:1 pixel aspect would
  // otherwise turn a small frame into one a million pixels wide.
  if (displayWidth > MAX_FRAME_SIDE || displayHeight > MAX_FRAME_SIDE) {
    throw new MediaError(
      'UnsupportedMedia',
      `frames shown at ${displayWidth}x${displayHeight} (pixel aspect ${video.sample_aspect_ratio}) are above the ${MAX_FRAME_SIDE}-pixel limit`,
    );
  }

  return {
    durationSeconds,
    width: displayWidth,
    height: displayHeight,
    codedWidth: width,
    codedHeight: height,
    rotation,
    interlaced: ['tt', 'bb', 'tb', 'bt'].includes(video.field_order ?? ''),
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
    hdr: (HDR_TRANSFERS as readonly string[]).includes(video.color_transfer ?? ''),
    colorTransfer: video.color_transfer ?? null,
    audioTrack,
    audioTracks: audioStreams.map((stream) => ({
      codec: stream.codec_name ?? null,
      channels: positiveInt(stream.channels),
      language: stream.tags?.language?.trim() || 'und',
      title: stream.tags?.title ?? null,
      default: stream.disposition?.default === 1,
    })),
  };
}

/** What a file without a video stream is, in the user's words. */
function withoutVideo(streams: RawStream[]): string {
  const has = (type: string) => streams.some((stream) => stream.codec_type === type);
  if (has('audio') && streams.some((stream) => stream.disposition?.attached_pic === 1)) return REFUSALS.coverArt;
  if (has('audio')) return REFUSALS.audioOnly;
  if (has('subtitle')) return REFUSALS.subtitles;
  return REFUSALS.noVideo;
}

function positiveNumber(value: unknown): number | null {
  const number = typeof value === 'string' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) && number > 0 ? number : null;
}

function positiveInt(value: unknown): number | null {
  const number = positiveNumber(value);
  return number !== null && Number.isInteger(number) ? number : null;
}

/** The display rotation, from the display matrix side data (newer files) or the `rotate` tag (older ones). */
function parseRotation(stream: RawStream): number {
  const fromMatrix = stream.side_data_list?.find((entry) => typeof entry.rotation === 'number')?.rotation;
  const degrees = fromMatrix !== undefined ? -fromMatrix : Number(stream.tags?.rotate ?? 0);
  if (!Number.isFinite(degrees)) return 0;
  return (((Math.round(degrees / 90) * 90) % 360) + 360) % 360;
}

/** "64:45" → 1.4222; "0:1", "1:1" and nonsense → null (square). */
function parseRatio(value: string | undefined): number | null {
  const [numerator, denominator] = (value ?? '').split(':').map(Number);
  if (!numerator || !denominator || numerator <= 0 || denominator <= 0 || numerator === denominator) return null;
  return numerator / denominator;
}

/** ffprobe writes rates as fractions ("30000/1001"); "0/0" means unknown. */
function parseRate(value: string | undefined): number | null {
  if (value === undefined) return null;
  const [numerator, denominator] = value.split('/').map(Number);
  if (numerator === undefined || denominator === undefined || !(denominator > 0) || !(numerator > 0)) return null;
  return Math.round((numerator / denominator) * 1000) / 1000;
}
