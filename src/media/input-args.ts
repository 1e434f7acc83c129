import { inputBoundSeconds } from './media-limits';
import { FORMAT_WHITELIST, PROTOCOL_WHITELIST } from './probe';

export interface InputOptions {
  /** The probed duration: required, so that no command reads more of a file than the probe found in it. */
  durationSeconds: number;
  seekSeconds?: number;
  /** Read only this long from the seek (a chunk of the ladder), never past the probed duration's bound. */
  readSeconds?: number;
  logLevel?: 'error' | 'info';
  preview?: boolean;
}

/**
 * The input half of every ffmpeg command: local file only, real containers only, no stdin, progress on stdout, and
 * no further into the media than its probed duration plus a margin.
 */
export function inputArgs(sourcePath: string, options: InputOptions): string[] {
  const { durationSeconds, seekSeconds, readSeconds, logLevel = 'error', preview = false } = options;
  const bound = inputBoundSeconds(durationSeconds, seekSeconds);
  return [
    '-nostdin',
    '-hide_banner',
    '-loglevel',
    logLevel,
    '-nostats',
    '-progress',
    'pipe:1',
    '-protocol_whitelist',
    PROTOCOL_WHITELIST,
    '-format_whitelist',
    FORMAT_WHITELIST,
    ...(seekSeconds !== undefined ? ['-ss', seekSeconds.toFixed(3)] : []),
    // An input option, so it bounds what is read (counted from the seek), not only what is written: a label that
    // understates the length must not buy hours of decoding.
    '-t',
    (readSeconds === undefined ? bound : Math.min(bound, readSeconds)).toFixed(6),
    // For outputs a few hundred pixels wide (storyboard, scene detection) the deblocking filter changes nothing
    // visible, and skipping it makes decoding the source markedly cheaper.
    ...(preview ? ['-skip_loop_filter', 'all'] : []),
    '-i',
    `file:${sourcePath}`,
  ];
}
