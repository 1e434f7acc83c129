/** The kinds of bad input a step refuses without retrying; they double as Temporal ApplicationFailure types. */
export type MediaErrorKind = 'VideoNotFound' | 'InvalidMedia' | 'UnsupportedMedia';

/** Thrown when the input itself is the problem: retrying cannot help. */
export class MediaError extends Error {
  override readonly name = 'MediaError';
  constructor(
    readonly kind: MediaErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Thrown when ffmpeg or ffprobe cannot be started at all (not installed, not executable). */
export class ToolNotFoundError extends Error {
  override readonly name = 'ToolNotFoundError';
  constructor(
    readonly tool: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${tool} was not found: install ffmpeg (Debian: apt-get install -y ffmpeg) or set FFMPEG_PATH/FFPROBE_PATH`,
      options,
    );
  }
}

/** Thrown when a tool exits non-zero; `stderrTail` holds the end of what it said. */
export class ToolFailedError extends Error {
  override readonly name = 'ToolFailedError';
  constructor(
    readonly tool: string,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stderrTail: string,
  ) {
    super(`${tool} exited with ${exitCode ?? signal}: ${lastLine(stderrTail) || 'no message'}`);
  }
}

/** Thrown when a tool runs past its deadline or stalls; it has been killed. */
export class ToolTimeoutError extends Error {
  override readonly name = 'ToolTimeoutError';
  constructor(
    readonly tool: string,
    readonly timeoutMs: number,
    what = 'did not finish',
  ) {
    super(`${tool} ${what} within ${timeoutMs} ms and was killed`);
  }
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.trim() ?? '';
}
