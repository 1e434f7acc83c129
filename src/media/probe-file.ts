import { MediaError, ToolFailedError } from './errors';
import { describeUnreadable } from './identify';
import {
  buildProbeArgs,
  MAX_DURATION_SECONDS,
  PROTOCOL_WHITELIST,
  FORMAT_WHITELIST,
  readProbeOutput,
  type VideoInfo,
} from './probe';
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
  const packets = PICTURE_CODECS.has(probed.videoCodec) ? await videoPackets(ffprobePath, file, options) : null;
  if (packets !== null && packets.length <= 1) throw new MediaError('InvalidMedia', REFUSALS.stillImage);
  const durationSeconds = probed.durationSeconds ?? spanOf(packets ?? (await videoPackets(ffprobePath, file, options)));
  if (durationSeconds === null) throw new MediaError('InvalidMedia', 'the file holds no decodable video');
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

interface Packet {
  start: number;
  end: number;
}

/**
 * The first video stream's packets, read without decoding: a quick pass even over hours of media (ffprobe prints
 * one short line per packet; an hour at 60 fps is about 3 MB).
 */
async function videoPackets(ffprobePath: string, file: string, options: ProbeOptions): Promise<Packet[]> {
  const args = [
    '-v',
    'error',
    '-protocol_whitelist',
    PROTOCOL_WHITELIST,
    '-format_whitelist',
    FORMAT_WHITELIST,
    '-select_streams',
    'V:0',
    '-show_entries',
    'packet=pts_time,dts_time,duration_time',
    '-of',
    'csv=p=0',
    '-i',
    `file:${file}`,
  ];
  const { stdout } = await runTool(ffprobePath, args, {
    ...toolOptions(options),
    maxStdoutBytes: 64 * 1024 * 1024,
  }).catch(async (error: unknown) => {
    throw await probeFailureToMediaError(error, file);
  });
  const packets: Packet[] = [];
  for (const line of stdout.split('\n')) {
    const [pts, dts, duration] = line.split(',').map((field) => Number.parseFloat(field));
    const start = Number.isFinite(pts) ? pts! : dts;
    if (start === undefined || !Number.isFinite(start)) continue;
    packets.push({ start, end: start + (Number.isFinite(duration) ? duration! : 0) });
  }
  return packets;
}

/** From the first packet's start to the last one's end; null without packets. */
function spanOf(packets: Packet[]): number | null {
  // A loop, not Math.min(...): an hour of video is more packets than a call takes arguments.
  let first = Infinity;
  let last = -Infinity;
  for (const packet of packets) {
    first = Math.min(first, packet.start);
    last = Math.max(last, packet.end);
  }
  return last > first ? last - first : null;
}

function toolOptions(options: ProbeOptions) {
  return {
    captureStdout: true,
    timeoutMs: options.timeoutMs,
    ...(options.signal ? { signal: options.signal } : {}),
  };
}
