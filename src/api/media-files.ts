import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * Content types of what a run publishes; anything else is served as bytes. Always ours, never guessed from a
 * database of extensions: a stray `.html` or `.svg` in a run folder must not become a page on the API's origin.
 */
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
 * Returns its segments, or null when the path is refused. Symlinks are checked after resolving, by `realFileInside`.
 */
export function safeMediaPath(requested: string): string[] | null {
  if (requested.length === 0 || requested.length > 1024) return null;
  const segments = requested.split('/');
  if (!SERVED_ROOTS.has(segments[0] ?? '') || segments.length < 2) return null;
  return segments.every((segment) => SEGMENT.test(segment)) ? segments : null;
}

/** A file found to be servable: its real folder root, its real path relative to that root, and its size. */
export interface RealFile {
  root: string;
  relative: string;
  size: number;
}

/**
 * Where `candidate` really is, when it is a regular file whose real path (symlinks resolved) lies inside `root`;
 * null otherwise. The answer names the resolved file, so what is served is what was checked.
 */
export async function realFileInside(root: string, candidate: string): Promise<RealFile | null> {
  try {
    const [realRoot, real] = await Promise.all([fs.realpath(root), fs.realpath(candidate)]);
    if (!real.startsWith(realRoot + path.sep)) return null;
    const stats = await fs.stat(real);
    return stats.isFile() ? { root: realRoot, relative: path.relative(realRoot, real), size: stats.size } : null;
  } catch {
    return null;
  }
}
