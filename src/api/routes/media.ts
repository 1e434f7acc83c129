import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type Router from '@koa/router';
import { videoDir } from '../../media/layout';
import type { RequestState } from '../context';
import { ApiError } from '../errors';
import { contentTypeOf, parseRange, safeMediaPath } from '../media-files';

/** A run folder never changes once published; `current` is switched to a new run now and then. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const CURRENT = 'public, max-age=60';

/**
 * `GET /media/{video_id}/…`: a video's published outputs — `current/…` (the published run) and `runs/<run_id>/…`
 * (each kept run) — with their content types, byte ranges, and validators for caching. Nothing else of the video's
 * folder is served (not its source, not staging), and nothing outside it: the path is checked as text first, then
 * its real path (symlinks resolved) must lie inside the video's folder.
 */
export function mediaRoutes(dataDir: string, router: Router<RequestState>): void {
  router.get('/media/:video_id/{*path}', async (ctx) => {
    const videoId = ctx.params['video_id'] as string;
    const requested = (ctx.params as Record<string, string | undefined>)['path'] ?? '';
    const segments = safeMediaPath(requested);
    if (!segments) {
      throw new ApiError('INVALID_MEDIA_PATH', undefined, { path: requested.slice(0, 200) });
    }
    const root = videoDir(dataDir, videoId);
    // `current` is a link to a run folder: whatever the path, the file must really be inside `runs/`.
    const file = await realFileInside(path.join(root, 'runs'), path.join(root, ...segments));
    if (!file) throw new ApiError('MEDIA_NOT_FOUND', undefined, { path: requested });

    const etag = `W/"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`;
    // If-Range: a range is only for the version the client has; after `current` switched, it gets the whole file.
    const ifRange = ctx.get('If-Range');
    const rangeHeader = ifRange && ifRange !== etag ? undefined : ctx.get('Range') || undefined;
    const range = parseRange(rangeHeader, file.size);
    if (range === 'unsatisfiable') {
      ctx.set('Content-Range', `bytes */${file.size}`);
      throw new ApiError('RANGE_NOT_SATISFIABLE', `The file has ${file.size} bytes`, { size: file.size });
    }
    ctx.set('ETag', etag);
    ctx.set('Last-Modified', new Date(file.mtimeMs).toUTCString());
    ctx.set('Cache-Control', segments[0] === 'runs' ? IMMUTABLE : CURRENT);
    ctx.set('Accept-Ranges', 'bytes');
    ctx.type = contentTypeOf(file.path);
    // Koa only judges freshness for a 2xx answer.
    ctx.status = 200;
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    if (range) {
      ctx.status = 206;
      ctx.set('Content-Range', `bytes ${range.start}-${range.end}/${file.size}`);
      ctx.length = range.end - range.start + 1;
      ctx.body = createReadStream(file.path, { start: range.start, end: range.end });
      return;
    }
    ctx.length = file.size;
    ctx.body = createReadStream(file.path);
  });
}

/** The file's real path and stats, when it is a regular file whose real path lies inside `root`; null otherwise. */
async function realFileInside(
  root: string,
  candidate: string,
): Promise<{ path: string; size: number; mtimeMs: number } | null> {
  try {
    const [realRoot, real] = await Promise.all([fs.realpath(root), fs.realpath(candidate)]);
    if (!real.startsWith(realRoot + path.sep)) return null;
    const stats = await fs.stat(real);
    return stats.isFile() ? { path: real, size: stats.size, mtimeMs: stats.mtimeMs } : null;
  } catch {
    return null;
  }
}
