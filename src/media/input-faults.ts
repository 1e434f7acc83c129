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

/** How many of ffmpeg's last lines are read for the reason it stopped: earlier lines are warnings it went on past. */
const LAST_LINES = 6;

/**
 * The stderr line that shows the file is at fault, or null when stderr shows no such fault (or an environmental one).
 * Only what ffmpeg said after its last `Stream mapping:` line counts (before it, at `info` level, it prints the
 * file's own tags, which may read like anything), and of that only the last few lines: a decoding error long before
 * the end is one ffmpeg went on past, not why it stopped.
 */
export function inputFaultLine(stderr: string): string | null {
  const mapping = stderr.lastIndexOf('Stream mapping:');
  const own = mapping < 0 ? stderr : stderr.slice(mapping);
  const last = own
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .slice(-LAST_LINES);
  if (last.some((line) => ENVIRONMENT_FAULTS.some((pattern) => pattern.test(line)))) return null;
  return last.find((line) => INPUT_FAULTS.some((pattern) => pattern.test(line))) ?? null;
}

/** ffmpeg's exit code when a signal (SIGTERM from a service manager, SIGINT) made it stop: nothing about the file. */
const STOPPED_BY_SIGNAL = 255;

/**
 * An ffmpeg that exited by itself (an exit code, not a signal) because of what is in the file, as a non-retryable
 * MediaError('InvalidMedia'); anything else — killed, out of disk or memory, a failure stderr does not explain — is
 * returned as it was, to be retried.
 */
export function ffmpegFailureToMediaError(error: unknown): unknown {
  if (!(error instanceof ToolFailedError) || error.exitCode === null || error.exitCode === STOPPED_BY_SIGNAL) {
    return error;
  }
  const line = inputFaultLine(error.stderrTail);
  if (line === null) return error;
  // The path and the pointer are ours, not the user's: "file:/data/media/x/source.mp4: Invalid data…" →
  // "Invalid data…", "[h264 @ 0x55d…] Invalid NAL unit size" → "h264: Invalid NAL unit size".
  const reason = line.replace(/^file:\S*:\s*/, '').replace(/^\[([^\]@]+?) @ 0x[0-9a-f]+\]\s*/, '$1: ');
  return new MediaError('InvalidMedia', `the file could not be decoded: ${reason}`, { cause: error });
}
