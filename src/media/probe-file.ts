import { MediaError, ToolFailedError } from './errors';
import { describeUnreadable } from './identify';
import { buildProbeArgs, FFPROBE_SAFETY_ARGS, MAX_DURATION_SECONDS, readProbeOutput, type VideoInfo } from './probe';
import { REFUSALS } from './refusals';
import { runTool } from './runner';

interface ProbeOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Codecs that also store single pictures: a "video" of one frame in them is a still image. */
const PICTURE_CODECS = new Set(['gif', 'png', 'apng', 'mjpeg', 'webp', 'bmp', 'tiff']);

/**
 * ffprobes one file and reads what it found; refuses (MediaError) what is not a playable video, saying what it is.
 * A stream-written file (a live recording, a browser's MediaRecorder WebM) declares no duration: it is measured from
 * the video's packets. Used by the probe step and by ingest, which checks an upload before it becomes a video.
 */
export async function probeFile(ffprobePath: string, file: string, options: ProbeOptions): Promise<VideoInfo> {
  const { stdout } = await runTool(ffprobePath, buildProbeArgs(file), toolOptions(options)).catch(
    async (error: unknown) => {
      throw await probeFailureToMediaError(error, file);
    },
  );
  const probed = readProbeOutput(stdout);
  const counted = PICTURE_CODECS.has(probed.videoCodec) ? await videoPackets(ffprobePath, file, options) : null;
  if (counted !== null && counted.packets <= 1) throw new MediaError('InvalidMedia', REFUSALS.stillImage);
  const durationSeconds =
    probed.durationSeconds ?? (counted ?? (await videoPackets(ffprobePath, file, options))).seconds;
  if (durationSeconds === null) throw new MediaError('InvalidMedia', REFUSALS.noDecodableVideo);
  if (durationSeconds > MAX_DURATION_SECONDS) {
    throw new MediaError('UnsupportedMedia', `the video lasts more than ${MAX_DURATION_SECONDS / 3600} hours`);
  }
  return { ...probed, durationSeconds };
}

/** ffprobe refusing a file is a property of the file, not of the moment: retrying cannot help. */
export async function probeFailureToMediaError(error: unknown, file: string): Promise<unknown> {
  if (error instanceof ToolFailedError && error.exitCode !== null) {
    const refusal = await describeUnreadable(file, error.stderrTail).catch(() => REFUSALS.notMedia);
    return new MediaError('InvalidMedia', refusal, { cause: error });
  }
  return error;
}

/** What the packet pass found: how many packets the first video stream has, and the time they span (null: none). */
interface PacketSpan {
  packets: number;
  seconds: number | null;
}

/**
 * Reads the first video stream's packets without decoding: a quick pass even over hours of media. ffprobe prints a
 * short line per packet; they are read as they come, keeping only the count and the first start and last end, so
 * memory does not grow with the file.
 */
async function videoPackets(ffprobePath: string, file: string, options: ProbeOptions): Promise<PacketSpan> {
  const args = [
    ...FFPROBE_SAFETY_ARGS,
    '-select_streams',
    'V:0',
    '-show_entries',
    'packet=pts_time,dts_time,duration_time',
    '-of',
    'csv=p=0',
    '-i',
    `file:${file}`,
  ];
  let packets = 0;
  let first = Infinity;
  let last = -Infinity;
  let partial = '';
  const read = (line: string) => {
    const [pts, dts, duration] = line.split(',').map((field) => Number.parseFloat(field));
    // B-frames arrive out of presentation order: the span runs from the lowest start to the highest end.
    const start = pts !== undefined && Number.isFinite(pts) ? pts : dts;
    if (start === undefined || !Number.isFinite(start)) return;
    packets += 1;
    first = Math.min(first, start);
    last = Math.max(last, start + (duration !== undefined && Number.isFinite(duration) ? duration : 0));
  };
  await runTool(ffprobePath, args, {
    timeoutMs: options.timeoutMs,
    ...(options.signal ? { signal: options.signal } : {}),
    onStdout: (chunk) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      lines.forEach(read);
    },
  }).catch(async (error: unknown) => {
    throw await probeFailureToMediaError(error, file);
  });
  read(partial);
  return { packets, seconds: last > first ? last - first : null };
}

function toolOptions(options: ProbeOptions) {
  return {
    captureStdout: true,
    timeoutMs: options.timeoutMs,
    ...(options.signal ? { signal: options.signal } : {}),
  };
}
