import path from 'node:path';

/** Content types of what a run publishes; anything else is served as bytes. */
const CONTENT_TYPES: Record<string, string> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
  '.m4a': 'audio/mp4',
  '.vtt': 'text/vtt; charset=utf-8',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** The folders of a video that are served: the published run, and each kept run by id. */
const SERVED_ROOTS = new Set(['current', 'runs']);
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

/**
 * Checks a requested path (already percent-decoded) before it comes near the file system: relative, under `current/`
 * or `runs/`, made only of plain names — no `..` or `.`, no empty segment, no backslash, no NUL, no leading dot.
 * Returns its segments, or null when the path is refused. Symlinks are checked after resolving, by the caller.
 */
export function safeMediaPath(requested: string): string[] | null {
  if (requested.length === 0 || requested.length > 1024) return null;
  const segments = requested.split('/');
  if (!SERVED_ROOTS.has(segments[0] ?? '') || segments.length < 2) return null;
  return segments.every((segment) => SEGMENT.test(segment)) ? segments : null;
}

export type ByteRange = { start: number; end: number } | 'unsatisfiable' | null;

/**
 * One byte range from a Range header (`bytes=0-99`, `bytes=100-`, `bytes=-500`), clamped to the file; null when
 * there is none or it is not one we serve (several ranges: the whole file is sent instead, as RFC 9110 allows).
 */
export function parseRange(header: string | undefined, size: number): ByteRange {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const [, from = '', to = ''] = match;
  if (from === '' && to === '') return null;
  let start: number;
  let end: number;
  if (from === '') {
    const suffix = Number(to);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(from);
    end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  }
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}
