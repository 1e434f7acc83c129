import { MediaError, ToolFailedError } from './errors';

/**
 * What ffmpeg says when the file itself cannot be read: the same bytes fail the same way on every attempt. Demuxer
 * and decoder messages, as ffmpeg 5.1 words them.
 */
const INPUT_FAULTS: readonly RegExp[] = [
  /Invalid data found when processing input/,
  /moov atom not found/,
  /EBML header parsing failed/,
  /exceeds containing master element/,
  /partial file/,
  /Error while decoding stream/,
  /Decode error rate \S+ exceeds maximum/,
  /Invalid NAL unit size/,
  /Error splitting the input into NAL units/,
  /error while decoding MB/,
  /non-existing PPS/,
  /[Cc]ould not find codec parameters/,
  /Header missing/,
];

/**
 * What the machine, not the file, is short of: these win over an input fault in the same stderr (a read that fails
 * with EIO also leaves the demuxer saying it found invalid data), and are retried. "received signal" is ffmpeg
 * reporting that it was asked to stop.
 */
const ENVIRONMENT_FAULTS: readonly RegExp[] = [
  /No space left on device/,
  /Disk quota exceeded/,
  /Cannot allocate memory/,
  /Resource temporarily unavailable/,
  /Input\/output error/,
  /Too many open files/,
  /Read-only file system/,
  /Stale file handle/,
  /Permission denied/,
  /Connection (refused|reset|timed out)/,
  /[Tt]imed? ?out/,
  /received signal \d+/,
];

/** The stderr line that shows the file is at fault, or null when stderr shows no such fault (or an environmental one). */
export function inputFaultLine(stderr: string): string | null {
  if (ENVIRONMENT_FAULTS.some((pattern) => pattern.test(stderr))) return null;
  const line = stderr.split('\n').find((candidate) => INPUT_FAULTS.some((pattern) => pattern.test(candidate)));
  return line === undefined ? null : line.trim();
}

/**
 * An ffmpeg that exited by itself (an exit code, not a signal) because of what is in the file, as a non-retryable
 * MediaError('InvalidMedia'); anything else — killed, out of disk or memory, a failure stderr does not explain — is
 * returned as it was, to be retried.
 */
export function ffmpegFailureToMediaError(error: unknown): unknown {
  if (!(error instanceof ToolFailedError) || error.exitCode === null) return error;
  const line = inputFaultLine(error.stderrTail);
  if (line === null) return error;
  // The path and the pointer are ours, not the user's: "file:/data/media/x/source.mp4: Invalid data…" →
  // "Invalid data…", "[h264 @ 0x55d…] Invalid NAL unit size" → "h264: Invalid NAL unit size".
  const reason = line.replace(/^file:\S*:\s*/, '').replace(/^\[([^\]@]+?) @ 0x[0-9a-f]+\]\s*/, '$1: ');
  return new MediaError('InvalidMedia', `the file could not be decoded: ${reason}`, { cause: error });
}
