import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ffmpeg = (args: string[]) => run('ffmpeg', ['-v', 'error', '-y', ...args]);

const picture = (size: string, rate: number, seconds: number) => [
  '-f',
  'lavfi',
  '-i',
  `testsrc2=size=${size}:rate=${rate}:duration=${seconds}`,
];
const tone = (seconds: number, frequency = 440) => [
  '-f',
  'lavfi',
  '-i',
  `sine=frequency=${frequency}:duration=${seconds}`,
];

/** Kinds of media people upload, made with ffmpeg at test time. Each writes `file` and returns it. */
export const realWorldMedia = {
  /** Matroska written to a pipe, as a live recorder does: no duration, no cues. */
  streamedMatroska: async (file: string): Promise<string> => {
    await writeThroughPipe(file, [
      ...picture('320x240', 25, 3),
      ...tone(3),
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-c:a',
      'aac',
      '-f',
      'matroska',
    ]);
    return file;
  },

  /** What a browser's MediaRecorder writes: VP8 + Opus WebM to a pipe, no Duration element, no cues. */
  mediaRecorderWebm: async (file: string): Promise<string> => {
    await writeThroughPipe(file, [
      ...picture('320x240', 30, 3),
      ...tone(3),
      '-c:v',
      'libvpx',
      '-deadline',
      'realtime',
      '-b:v',
      '500k',
      '-c:a',
      'libopus',
      '-f',
      'webm',
    ]);
    return file;
  },

  animatedGif: async (file: string, frames = 20): Promise<string> => {
    await ffmpeg([...picture('161x121', 10, frames / 10), '-frames:v', String(frames), file]);
    return file;
  },

  jpeg: async (file: string): Promise<string> => {
    await ffmpeg([...picture('320x240', 1, 1), '-frames:v', '1', '-f', 'mjpeg', file]);
    return file;
  },

  /** An MP3 with a picture attached, as music files have. */
  mp3WithCoverArt: async (file: string): Promise<string> => {
    const cover = `${file}.cover.png`;
    await ffmpeg([...picture('64x64', 1, 1), '-frames:v', '1', cover]);
    await ffmpeg([
      ...tone(2),
      '-i',
      cover,
      '-map',
      '0:a',
      '-map',
      '1:v',
      '-c:a',
      'libmp3lame',
      '-c:v',
      'png',
      '-disposition:v',
      'attached_pic',
      '-f',
      'mp3',
      file,
    ]);
    await fs.rm(cover);
    return file;
  },

  opusMatroska: async (file: string): Promise<string> => {
    await ffmpeg([...tone(2), '-c:a', 'libopus', '-f', 'matroska', file]);
    return file;
  },

  srt: async (file: string): Promise<string> => {
    await fs.writeFile(file, '1\n00:00:01,000 --> 00:00:02,500\nHello\n\n2\n00:00:03,000 --> 00:00:04,000\nWorld\n');
    return file;
  },

  text: async (file: string): Promise<string> => {
    await fs.writeFile(file, 'Meeting notes\n- reprocess the catalog\n- ship the dashboard\n'.repeat(20));
    return file;
  },

  /** An MP4 with its index at the end (no faststart), cut in half: what an interrupted upload leaves. */
  mp4CutBeforeIndex: async (file: string): Promise<string> => {
    const whole = `${file}.whole.mp4`;
    await ffmpeg([...picture('320x240', 25, 2), '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'mp4', whole]);
    const bytes = await fs.readFile(whole);
    await fs.writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await fs.rm(whole);
    return file;
  },

  /**
   * HDR10: 10-bit HEVC, PQ transfer, BT.2020 primaries, made from the SDR test picture (`sdrFile`, written too) by
   * converting its light to PQ, so the two show the same scene.
   */
  hdr10: async (file: string, sdrFile: string): Promise<string> => {
    await ffmpeg([
      ...picture('320x240', 25, 2),
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      sdrFile,
    ]);
    await ffmpeg([
      '-i',
      sdrFile,
      '-vf',
      'setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709:range=tv,zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt2020:t=smpte2084:m=bt2020nc:r=tv:npl=100,format=yuv420p10le',
      '-c:v',
      'libx265',
      '-preset',
      'ultrafast',
      '-x265-params',
      'log-level=error:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc',
      '-color_primaries',
      'bt2020',
      '-color_trc',
      'smpte2084',
      '-colorspace',
      'bt2020nc',
      '-tag:v',
      'hvc1',
      file,
    ]);
    return file;
  },

  /**
   * Two audio tracks: a silent French one first, then the English one, marked default, with a tone: the main audio
   * is the one that is heard.
   */
  twoAudioTracks: async (file: string): Promise<string> => {
    await ffmpeg([
      ...picture('320x240', 25, 2),
      '-f',
      'lavfi',
      '-i',
      'anullsrc=r=48000:cl=stereo:d=2',
      ...tone(2),
      '-map',
      '0:v',
      '-map',
      '1:a',
      '-map',
      '2:a',
      '-t',
      '2',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-c:a',
      'aac',
      '-metadata:s:a:0',
      'language=fra',
      '-metadata:s:a:1',
      'language=eng',
      '-disposition:a:0',
      '0',
      '-disposition:a:1',
      'default',
      file,
    ]);
    return file;
  },
};

/** ffmpeg writing to its stdout, into `file`: the muxer cannot seek back to write a duration or an index. */
async function writeThroughPipe(file: string, args: string[]): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const quoted = ['ffmpeg', '-v', 'error', ...args, 'pipe:1'].map((arg) => `'${arg.replace(/'/g, "'\\''")}'`);
  await run('sh', ['-c', `${quoted.join(' ')} > '${file.replace(/'/g, "'\\''")}'`]);
}

/** The mean luma (0–255 for 8-bit) of a video file's frames, by ffmpeg's signalstats. */
export async function meanLuma(file: string): Promise<number> {
  const { stderr } = await run('ffmpeg', [
    '-v',
    'info',
    '-i',
    file,
    '-vf',
    'format=yuv420p,signalstats,metadata=print:key=lavfi.signalstats.YAVG',
    '-f',
    'null',
    '-',
  ]);
  const values = [...stderr.matchAll(/lavfi\.signalstats\.YAVG=([\d.]+)/g)].map((match) => Number(match[1]));
  if (values.length === 0) throw new Error(`no frames measured in ${file}`);
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** The mean volume of a file's first audio stream, dB (volumedetect); -91 for silence. */
export async function meanVolumeDb(file: string): Promise<number> {
  const { stderr } = await run('ffmpeg', [
    '-v',
    'info',
    '-i',
    file,
    '-map',
    '0:a:0',
    '-af',
    'volumedetect',
    '-f',
    'null',
    '-',
  ]);
  const match = /mean_volume: (-?[\d.]+) dB/.exec(stderr);
  if (!match) throw new Error(`no audio measured in ${file}`);
  return Number(match[1]);
}
