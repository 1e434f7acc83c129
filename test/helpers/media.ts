import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { makeClip, type ClipOptions } from '../../scripts/lib/clips';

const execFileAsync = promisify(execFile);

export { makeClip, type ClipOptions };

/** A fresh DATA_DIR for one test file; removed by the returned cleanup. */
export async function makeDataDir(): Promise<{ dataDir: string; cleanup: () => Promise<void> }> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'reprocess-test-'));
  return { dataDir, cleanup: () => fs.rm(dataDir, { recursive: true, force: true }) };
}

/** Places a generated clip as a video's source, the way a user would put one under DATA_DIR/media/<id>/. */
export async function addVideo(dataDir: string, videoId: string, options: ClipOptions = {}): Promise<string> {
  return makeClip(path.join(dataDir, 'media', videoId, 'source.mp4'), options);
}

/**
 * A clip made of distinct test patterns, `segmentSeconds` each, with a 440 Hz tone: its scene cuts are known to be
 * at every multiple of `segmentSeconds`.
 */
export async function makeSceneClip(
  file: string,
  options: { segmentSeconds: number; width: number; height: number; fps?: number; audio?: boolean },
): Promise<string> {
  const { segmentSeconds: d, width, height, fps = 30, audio = true } = options;
  await fs.mkdir(path.dirname(file), { recursive: true });
  const size = `size=${width}x${height}:rate=${fps}:duration=${d}`;
  const sources = [`testsrc2=${size}`, `smptebars=${size}`, `color=c=0x2050c0:${size}`, `rgbtestsrc=${size}`];
  const args = ['-v', 'error', '-y'];
  for (const source of sources) args.push('-f', 'lavfi', '-i', source);
  if (audio) args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${d * 4}`);
  args.push('-filter_complex', '[0:v][1:v][2:v][3:v]concat=n=4:v=1:a=0,format=yuv420p[v]', '-map', '[v]');
  if (audio) args.push('-map', '4:a', '-c:a', 'aac');
  args.push('-c:v', 'libx264', '-preset', 'ultrafast', file);
  await execFileAsync('ffmpeg', args);
  return file;
}

export interface ProbedStream {
  codec_type: string;
  width?: number;
  height?: number;
  duration?: string;
}

/** ffprobe's view of a file, for checking outputs. */
export async function ffprobe(file: string): Promise<{ streams: ProbedStream[]; format: { duration?: string } }> {
  const { stdout } = await execFileAsync('ffprobe', [
    '-v',
    'error',
    '-print_format',
    'json',
    '-show_streams',
    '-show_format',
    file,
  ]);
  return JSON.parse(stdout) as { streams: ProbedStream[]; format: { duration?: string } };
}

/** Integrated loudness of a file's audio according to ffmpeg's own ebur128 filter, read independently of src/. */
export async function ebur128Integrated(file: string): Promise<number> {
  const { stderr } = await execFileAsync('ffmpeg', [
    '-nostdin',
    '-hide_banner',
    '-nostats',
    '-i',
    file,
    '-map',
    '0:a:0',
    '-af',
    'ebur128=framelog=verbose',
    '-f',
    'null',
    '-',
  ]);
  const match = /Summary:[\s\S]*?I:\s+(-?[\d.]+) LUFS/.exec(stderr);
  if (!match) throw new Error(`no ebur128 summary for ${file}`);
  return Number(match[1]);
}

/** One figure of a file's first video stream, as ffprobe reports it (MPEG-TS lists it twice: the first is taken). */
async function videoStreamEntry(file: string, entry: string, extra: string[] = []): Promise<number> {
  const { stdout } = await execFileAsync('ffprobe', [
    '-v',
    'error',
    ...extra,
    '-select_streams',
    'v:0',
    '-show_entries',
    `stream=${entry}`,
    '-of',
    'csv=p=0',
    file,
  ]);
  return Number(stdout.trim().split('\n')[0]);
}

/** When a segment's video starts, in seconds of its own timestamps. */
export function videoStart(file: string): Promise<number> {
  return videoStreamEntry(file, 'start_time');
}

/** When a file's first audio frame plays, in seconds of its own timestamps. */
export async function audioStart(file: string): Promise<number> {
  const { stdout } = await execFileAsync('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'a:0',
    '-show_entries',
    'stream=start_time',
    '-of',
    'csv=p=0',
    file,
  ]);
  return Number(stdout.trim().split('\n')[0]);
}

/** Whether a segment opens with a keyframe (an IDR for our H.264): its first decoded video frame's flag. */
export async function opensWithKeyframe(file: string): Promise<boolean> {
  const { stdout } = await execFileAsync('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-read_intervals',
    '%+#1',
    '-show_entries',
    'frame=key_frame,pict_type',
    '-of',
    'csv=p=0',
    file,
  ]);
  // csv: key_frame,pict_type, and a trailing field for side data on some frames.
  return /^1,I(,|$)/.test(stdout.trim().split('\n')[0] ?? '');
}

/** Seconds of media a file or playlist decodes to, with every packet read: errors in any segment fail it. */
export async function decodedSeconds(fileOrPlaylist: string, stream: 'v' | 'a'): Promise<number> {
  const { stdout } = await execFileAsync('ffmpeg', [
    '-nostdin',
    '-hide_banner',
    '-v',
    'error',
    '-nostats',
    '-xerror',
    '-i',
    fileOrPlaylist,
    '-map',
    `0:${stream}:0`,
    '-progress',
    'pipe:1',
    '-f',
    'null',
    '-',
  ]);
  const times = [...stdout.matchAll(/^out_time_us=(\d+)$/gm)];
  const last = times.at(-1);
  if (last === undefined) throw new Error(`ffmpeg reported no time for ${fileOrPlaylist}`);
  return Number(last[1]) / 1e6;
}

/** How many video frames a file or playlist really decodes to (every segment read). */
export function videoFrames(fileOrPlaylist: string): Promise<number> {
  return videoStreamEntry(fileOrPlaylist, 'nb_read_frames', ['-count_frames']);
}

/** The ffmpeg processes (Linux: /proc) whose command line names `dir`: the ones writing into a run's folder. */
export async function ffmpegWritingInto(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const [stat, command] = await Promise.all([
        fs.readFile(`/proc/${entry}/stat`, 'utf8'),
        fs.readFile(`/proc/${entry}/cmdline`, 'utf8'),
      ]);
      // A zombie is dead: it only waits for its parent to collect it.
      const program = path.basename(command.split('\0')[0] ?? '');
      if (!stat.includes(') Z ') && program === 'ffmpeg' && command.includes(dir)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}
