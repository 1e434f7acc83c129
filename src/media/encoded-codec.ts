import { avcCodecString } from './hls-master';
import { FFPROBE_SAFETY_ARGS } from './probe';
import { runTool } from './runner';

/**
 * The RFC 6381 codec string of the H.264 in one of our own segments (x264 picks the level from the size and the
 * rate, so it is read back rather than predicted).
 */
export async function encodedVideoCodec(
  ffprobePath: string,
  segmentFile: string,
  signal?: AbortSignal,
): Promise<string> {
  const { stdout } = await runTool(
    ffprobePath,
    [
      ...FFPROBE_SAFETY_ARGS,
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=profile,level',
      '-print_format',
      'json',
      '-i',
      `file:${segmentFile}`,
    ],
    { captureStdout: true, timeoutMs: 30_000, ...(signal ? { signal } : {}) },
  );
  const stream = (JSON.parse(stdout) as { streams?: { profile?: string; level?: number }[] }).streams?.[0];
  if (stream?.level === undefined) throw new Error(`no H.264 stream in ${segmentFile}`);
  return avcCodecString(stream.profile ?? 'High', stream.level);
}
