import path from 'node:path';
import { inputArgs } from './input-args';
import { toneMapToSdr } from './tone-map';
import { HLS_SEGMENT_SECONDS, type Rendition } from './ladder';

export interface HlsJob {
  sourcePath: string;
  /** The source's probed duration: reading stops a margin past it (input-args.ts). */
  durationSeconds: number;
  outDir: string;
  renditions: readonly Rendition[];
  hasAudio: boolean;
  /** Deinterlace (yadif) before splitting: interlaced sources would otherwise be encoded with combing. */
  deinterlace?: boolean;
  /** Threads for the filter graph (decode once, split, scale): the machine's cores. */
  threads?: number;
  /**
   * Resume an interrupted encode at this segment: the source is read from its start time and segments are numbered
   * and timestamped from there, exactly as the uninterrupted encode would have made them. 0 (default) is a fresh one.
   */
  startSegment?: number;
  /**
   * Stop before this segment (a chunk of the ladder): the source is read up to the first frame of the grid at or
   * after its start. Undefined or null: to the end of the source.
   */
  endSegment?: number | null;
  /** The source's frame rate (probe): the output's constant rate, whose frame grid segment boundaries fall on. */
  frameRate?: number | null;
  /** The main audio stream, 0-based among the audio streams (probe's audioTrack; default 0). */
  audioTrack?: number;
  /** PQ or HLG source: tone-mapped to SDR BT.709 before the split (see toneMapToSdr). */
  hdr?: boolean;
  /** The source's transfer, for the tone mapping (probe's colorTransfer). */
  colorTransfer?: string | null;
}

/**
 * Where output timestamps start. Not 0: the muxer shifts a stream whose first timestamps would be negative (B-frame
 * delay, AAC priming) by a few frames, but only when they are negative — at 0 a fresh encode is shifted and a
 * resumed one is not, and their segments would not line up. From 10 s no encode's timestamps are ever negative.
 */
export const HLS_TIMESTAMP_ORIGIN_SECONDS = 10;

/**
 * The output's constant frame rate, when the probe gave a believable one. ffmpeg makes the HLS output constant-rate
 * anyway; naming the rate makes the frame grid known, so a resumed encode can start on it. A rate outside 1–120 fps
 * (a container's placeholder) is left to ffmpeg.
 */
export function outputFrameRate(frameRate: number | null | undefined): number | null {
  return frameRate !== null && frameRate !== undefined && frameRate >= 1 && frameRate <= 120 ? frameRate : null;
}

/**
 * When segment `index` starts: at the first frame of the output's grid at or after `index` × 4 s, since that frame
 * is the keyframe forced there. On a 30000/1001 source segment 6 starts at 24.024 s, not 24.
 */
export function segmentStartSeconds(index: number, frameRate?: number | null): number {
  const boundary = index * HLS_SEGMENT_SECONDS;
  const fps = outputFrameRate(frameRate);
  // The small allowance keeps a boundary that falls exactly on a frame (integer rates) from moving one frame later.
  return fps === null ? boundary : Math.ceil(boundary * fps - 1e-6) / fps;
}

/**
 * One ffmpeg that decodes the source once, splits it into every rendition and writes an HLS VOD ladder:
 * `<outDir>/master.m3u8` and `<outDir>/<name>/playlist.m3u8` + segments. Keyframes are forced on segment
 * boundaries (and scene-cut keyframes are off), so every rendition's segments start at the same times and players
 * can switch between them.
 */
export function buildHlsLadderArgs(job: HlsJob): string[] {
  const { renditions } = job;
  const count = renditions.length;
  const first = `[0:v]${job.deinterlace ? 'yadif=deint=interlaced,' : ''}${job.hdr ? `${toneMapToSdr(job.colorTransfer)},` : ''}`;
  const splits =
    count === 1 ? `${first}null[s0]` : `${first}split=${count}${renditions.map((_, i) => `[s${i}]`).join('')}`;
  const scales = renditions.map((r, i) => `[s${i}]scale=${r.width}:${r.height},setsar=1,format=yuv420p[v${i}]`);
  const start = job.startSegment ?? 0;
  const fps = outputFrameRate(job.frameRate);
  // A quarter of a frame early: the seek keeps frames from there on, so the segment's first frame is kept whatever
  // the rounding, and the one before it is not.
  const quarterFrame = fps === null ? 0 : 0.25 / fps;
  const seek = Math.max(0, segmentStartSeconds(start, fps) - quarterFrame);
  // Counted from the seek: half a frame short of the end's boundary, so the chunk's last frame is read and the frame
  // on the boundary, which the next chunk starts with, is not, whatever the rounding.
  const end = job.endSegment ?? null;
  const from = start > 0 ? seek : 0;
  const read = end === null || fps === null ? undefined : segmentStartSeconds(end, fps) - from - 2 * quarterFrame;
  const args = [
    ...inputArgs(job.sourcePath, {
      durationSeconds: job.durationSeconds,
      ...(start > 0 ? { seekSeconds: seek } : {}),
      ...(read === undefined ? {} : { readSeconds: read }),
    }),
    // ffmpeg 5.1 runs a filter graph on one thread unless told otherwise; the split and the scalers need them all.
    ...(job.threads ? ['-filter_complex_threads', String(job.threads)] : []),
    '-filter_complex',
    [splits, ...scales].join(';'),
  ];

  args.push(...buildLadderOutputArgs(job));
  return args;
}

/**
 * The output half of the ladder command: maps the filter graph's `[v0]…[vN]` (and the first audio stream) to the
 * encoders and the HLS muxer. Shared with the benchmark's single-command baseline, so both encode alike.
 */
export function buildLadderOutputArgs({
  outDir,
  renditions,
  hasAudio,
  startSegment = 0,
  frameRate,
  audioTrack = 0,
  hdr = false,
}: Pick<HlsJob, 'outDir' | 'renditions' | 'hasAudio' | 'startSegment' | 'frameRate' | 'audioTrack' | 'hdr'>): string[] {
  const fps = outputFrameRate(frameRate);
  const startSeconds = segmentStartSeconds(startSegment, fps);
  const args: string[] = [];
  renditions.forEach((r, i) => {
    args.push('-map', `[v${i}]`);
    if (hasAudio) args.push('-map', `0:a:${audioTrack}`);
    args.push(
      `-b:v:${i}`,
      `${r.videoKbps}k`,
      `-maxrate:v:${i}`,
      `${Math.round(r.videoKbps * 1.07)}k`,
      `-bufsize:v:${i}`,
      `${r.videoKbps * 2}k`,
    );
  });
  // A named constant rate, so segment boundaries fall on a known frame grid (see segmentStartSeconds).
  if (fps !== null) args.push('-r', String(fps));
  args.push(
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-profile:v',
    'high',
    '-sc_threshold',
    '0',
    // Keyframes on the whole video's clock: `t` counts from this encode's first frame, which a resumed encode
    // places at startSeconds; the microsecond keeps a frame exactly on a boundary from being missed by rounding.
    '-force_key_frames',
    `expr:gte(t+${startSeconds.toFixed(9)}+0.000001,(n_forced+${startSegment})*${HLS_SEGMENT_SECONDS})`,
  );
  // A tone-mapped picture is tagged as what it now is (BT.709, limited range), not as the HDR source it came from.
  if (hdr) args.push('-color_primaries', 'bt709', '-color_trc', 'bt709', '-colorspace', 'bt709', '-color_range', 'tv');
  // x264 adds keyframes of its own every `-g` frames: past a segment's length, so the forced ones are the only ones.
  if (fps !== null) args.push('-g', String(Math.ceil(HLS_SEGMENT_SECONDS * fps) + 1));
  if (hasAudio) args.push('-c:a', 'aac', '-b:a', `${renditions[0]?.audioKbps ?? 128}k`, '-ac', '2');
  const streamMap = renditions
    .map((r, i) => (hasAudio ? `v:${i},a:${i},name:${r.name}` : `v:${i},name:${r.name}`))
    .join(' ');
  args.push(
    '-output_ts_offset',
    (HLS_TIMESTAMP_ORIGIN_SECONDS + startSeconds).toFixed(6),
    '-f',
    'hls',
    // The muxer cuts at the first keyframe once n × hls_time has passed since this encode's first frame. A resumed
    // encode's first frame is on the whole video's grid, up to a frame after n × 4 s, so with hls_time 4 a
    // boundary frame less than that frame after its 4-s mark would not be cut at (one 8-s segment). Keyframes
    // fall only on the grid (above), so a threshold 1.5 frames short cuts at every one of them and nowhere else.
    '-hls_time',
    fps === null ? String(HLS_SEGMENT_SECONDS) : (HLS_SEGMENT_SECONDS - 1.5 / fps).toFixed(6),
    // EVENT, not VOD: ffmpeg then rewrites each playlist (atomically) after every segment it closes, which is how a
    // retry knows what is whole on disk. The activity writes the final VOD playlists itself (hls-playlist.ts).
    '-hls_playlist_type',
    'event',
    '-start_number',
    String(startSegment),
    '-hls_flags',
    'independent_segments',
    '-hls_segment_type',
    'mpegts',
    '-hls_segment_filename',
    path.join(outDir, '%v', 'segment_%04d.ts'),
    '-master_pl_name',
    'master.m3u8',
    '-var_stream_map',
    streamMap,
    '-y',
    path.join(outDir, '%v', 'playlist.m3u8'),
  );
  return args;
}

export interface AudioRenditionJob {
  sourcePath: string;
  durationSeconds: number;
  /** One rendition per audio stream: the stream (0-based among the audio streams) and the rendition's folder. */
  tracks: readonly { audioTrack: number; outDir: string }[];
  audioKbps: number;
}

/**
 * The ladder's audio, encoded once for every video rendition: one HLS audio rendition (AAC-LC stereo in MPEG-TS)
 * per audio stream of the source, from one ffmpeg, on the video's 4-s segment clock and timestamp origin. Audio
 * frames are 1024 samples, so its boundaries fall within one audio frame (21 ms at 48 kHz) after 4·k s; the
 * video's fall within one video frame after it.
 */
export function buildAudioRenditionArgs(job: AudioRenditionJob): string[] {
  return [
    ...inputArgs(job.sourcePath, { durationSeconds: job.durationSeconds }),
    ...job.tracks.flatMap((track) =>
      buildAudioRenditionOutputArgs({ outDir: track.outDir, audioKbps: job.audioKbps }, `0:a:${track.audioTrack}`),
    ),
  ];
}

/**
 * The output half of the audio rendition: `audio` (a stream or a filter graph's label) to AAC in HLS. Shared with
 * the benchmark's single-command baseline, so both encode alike.
 */
export function buildAudioRenditionOutputArgs(job: { outDir: string; audioKbps: number }, audio: string): string[] {
  return [
    '-map',
    audio,
    '-vn',
    '-c:a',
    'aac',
    '-b:a',
    `${job.audioKbps}k`,
    '-ac',
    '2',
    '-output_ts_offset',
    HLS_TIMESTAMP_ORIGIN_SECONDS.toFixed(6),
    '-f',
    'hls',
    '-hls_time',
    String(HLS_SEGMENT_SECONDS),
    '-hls_playlist_type',
    'vod',
    '-hls_flags',
    'independent_segments',
    '-hls_segment_type',
    'mpegts',
    '-hls_segment_filename',
    path.join(job.outDir, 'segment_%04d.ts'),
    '-y',
    path.join(job.outDir, 'playlist.m3u8'),
  ];
}
