import { MediaError, ToolFailedError } from './errors';
import { buildProbeArgs, parseProbeOutput, type VideoInfo } from './probe';
import { runTool } from './runner';

/**
 * ffprobes one file and reads what it found; refuses (MediaError) what is not a playable video. Used by the probe
 * step and by ingest, which checks an upload before it becomes a video.
 */
export async function probeFile(
  ffprobePath: string,
  file: string,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<VideoInfo> {
  const { stdout } = await runTool(ffprobePath, buildProbeArgs(file), {
    captureStdout: true,
    timeoutMs: options.timeoutMs,
    ...(options.signal ? { signal: options.signal } : {}),
  }).catch((error: unknown) => {
    throw probeFailureToMediaError(error);
  });
  return parseProbeOutput(stdout);
}

/** ffprobe refusing a file is a property of the file, not of the moment: retrying cannot help. */
export function probeFailureToMediaError(error: unknown): unknown {
  if (error instanceof ToolFailedError && error.exitCode !== null) {
    const reason =
      error.stderrTail
        .trim()
        .split('\n')
        .at(-1)
        ?.replace(/^file:\S*:\s*/, '') ?? '';
    return new MediaError('InvalidMedia', `the file could not be read as a video${reason ? `: ${reason}` : ''}`, {
      cause: error,
    });
  }
  return error;
}
