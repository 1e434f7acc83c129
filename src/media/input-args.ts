import { FORMAT_WHITELIST, PROTOCOL_WHITELIST } from './probe';

/** The input half of every ffmpeg command: local file only, real containers only, no stdin, progress on stdout. */
export function inputArgs(
  sourcePath: string,
  options: { seekSeconds?: number; logLevel?: 'error' | 'info'; preview?: boolean } = {},
): string[] {
  const { seekSeconds, logLevel = 'error', preview = false } = options;
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
    // For outputs a few hundred pixels wide (storyboard, scene detection) the deblocking filter changes nothing
    // visible, and skipping it makes decoding the source markedly cheaper.
    ...(preview ? ['-skip_loop_filter', 'all'] : []),
    '-i',
    `file:${sourcePath}`,
  ];
}
