import path from 'node:path';
import { inputArgs } from './input-args';
import { HLS_SEGMENT_SECONDS, type Rendition } from './ladder';

export interface HlsJob {
  sourcePath: string;
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
}

/**
 * Where output timestamps start. Not 0: the muxer shifts a stream whose first timestamps would be negative (B-frame
 * delay, AAC priming) by a few frames, but only when they are negative — at 0 a fresh encode is shifted and a
 * resumed one is not, and their segments would not line up. From 10 s no encode's timestamps are ever negative.
 */
export const HLS_TIMESTAMP_ORIGIN_SECONDS = 10;

/** The media time segment `index` starts at: keyframes are forced on this clock. */
export function segmentStartSeconds(index: number): number {
  return index * HLS_SEGMENT_SECONDS;
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
  const first = job.deinterlace ? '[0:v]yadif=deint=interlaced,' : '[0:v]';
  const splits =
    count === 1 ? `${first}null[s0]` : `${first}split=${count}${renditions.map((_, i) => `[s${i}]`).join('')}`;
  const scales = renditions.map((r, i) => `[s${i}]scale=${r.width}:${r.height},setsar=1,format=yuv420p[v${i}]`);
  const start = job.startSegment ?? 0;
  const args = [
    ...inputArgs(job.sourcePath, start > 0 ? { seekSeconds: segmentStartSeconds(start) } : {}),
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
}: Pick<HlsJob, 'outDir' | 'renditions' | 'hasAudio' | 'startSegment'>): string[] {
  const args: string[] = [];
  renditions.forEach((r, i) => {
    args.push('-map', `[v${i}]`);
    if (hasAudio) args.push('-map', '0:a:0');
    args.push(
      `-b:v:${i}`,
      `${r.videoKbps}k`,
      `-maxrate:v:${i}`,
      `${Math.round(r.videoKbps * 1.07)}k`,
      `-bufsize:v:${i}`,
      `${r.videoKbps * 2}k`,
    );
  });
  args.push(
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-profile:v',
    'high',
    '-sc_threshold',
    '0',
    '-force_key_frames',
    `expr:gte(t,n_forced*${HLS_SEGMENT_SECONDS})`,
  );
  if (hasAudio) args.push('-c:a', 'aac', '-b:a', `${renditions[0]?.audioKbps ?? 128}k`, '-ac', '2');
  const streamMap = renditions
    .map((r, i) => (hasAudio ? `v:${i},a:${i},name:${r.name}` : `v:${i},name:${r.name}`))
    .join(' ');
  args.push(
    '-output_ts_offset',
    String(HLS_TIMESTAMP_ORIGIN_SECONDS + segmentStartSeconds(startSegment)),
    '-f',
    'hls',
    '-hls_time',
    String(HLS_SEGMENT_SECONDS),
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
