import type { ReadStream } from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import send from 'send';
import { videoDir } from '../../media/layout';
import type { ApiContext } from '../context';
import { ApiError } from '../errors';
import { type ApiRouter, type OperationSpec } from '../operations';
import { contentTypeOf, realFileInside, safeMediaPath, type RealFile } from '../media-files';

/** A run folder never changes once published; `current` is switched to a new run now and then. */
const IMMUTABLE = 'max-age=31536000, immutable';
const CURRENT = 'max-age=60';

/** What `send` may have set on the response before it gave up: none of it describes an error envelope. */
const FILE_HEADERS = ['Accept-Ranges', 'Cache-Control', 'Content-Type', 'ETag', 'Last-Modified'];

const GET_MEDIA: OperationSpec = {
  operationId: 'getMedia',
  tag: 'videos',
  summary: 'A published output: current/<file> or runs/<run_id>/<file>',
  description:
    'Content types for m3u8, ts, m4s, mp4, m4a, vtt, jpg, json; byte ranges (206, 416); ETag and Last-Modified ' +
    'validators (304); run folders are immutable, `current/` is cached for 60 s.',
  success: { status: 200, description: 'The file', media: 'application/octet-stream' },
  also: { status: 206, description: 'The requested byte range' },
  errors: ['INVALID_VIDEO_ID', 'INVALID_MEDIA_PATH', 'MEDIA_NOT_FOUND', 'RANGE_NOT_SATISFIABLE'],
  mediaToken: true,
};

/**
 * `GET /media/{video_id}/…`: a video's published outputs — `current/…` (the published run) and `runs/<run_id>/…`
 * (each kept run). Nothing else of the video's folder is served (not its source, not staging), and nothing outside
 * it: the path is checked as text first, then its real path (symlinks resolved) must lie inside the video's `runs/`.
 * Only then does `send` answer, with byte ranges, validators and 304s.
 */
export function mediaRoutes(dataDir: string, router: ApiRouter, options: { keyed: boolean }): void {
  // Behind keys, what a key or token was shown for is no shared cache's to keep and hand out.
  const scope = options.keyed ? 'private' : 'public';
  router.get('/media/:video_id/{*path}', GET_MEDIA, async (ctx) => {
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
    await sendChecked(ctx, file, `${scope}, ${segments[0] === 'runs' ? IMMUTABLE : CURRENT}`, requested);
  });
}

/**
 * Hands a checked file to `send`, which writes the answer itself (200, 206, 304, HEAD). Whether a file exists was
 * decided by our checks; `send` still reports its own refusals (a 416, or a file gone since), and those come while
 * nothing is written yet, so they are thrown as ApiErrors for the error middleware to render in the envelope.
 * Resolves once the answer is under way, so request logs and metrics see send's status.
 */
function sendChecked(ctx: ApiContext, file: RealFile, cacheControl: string, requested: string): Promise<void> {
  // send judges freshness (304) only on a 2xx status, and Koa starts every response at 404.
  ctx.status = 200;
  // send answers If-Match and If-Unmodified-Since with 412, which the catalogue has no code for; this route has
  // always ignored them (they guard writes), and still does.
  delete ctx.req.headers['if-match'];
  delete ctx.req.headers['if-unmodified-since'];
  // The root is the real `runs/` folder and the path the real file inside it: send opens what was checked, never
  // follows `current` again, and judges dotfiles on those names alone (a dot in DATA_DIR's own path is no concern).
  const urlPath = '/' + file.relative.split(path.sep).map(encodeURIComponent).join('/');
  const sending = send(ctx.req, urlPath, {
    root: file.root,
    dotfiles: 'ignore',
    index: false,
    extensions: false,
    cacheControl: false,
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    const answered = () => {
      settled = true;
      resolve();
    };
    sending.on('headers', (res: ServerResponse) => {
      res.setHeader('Content-Type', contentTypeOf(file.relative));
      res.setHeader('Cache-Control', cacheControl);
    });
    // Our checks already refused folders; with a listener here send neither lists nor redirects one.
    sending.on('directory', () => sending.emit('error', new ApiError('MEDIA_NOT_FOUND')));
    sending.on('stream', (stream: ReadStream) => stream.once('ready', answered));
    // A 304 or HEAD is ended by send without a stream; 'close' also covers a client that went away.
    ctx.res.once('finish', answered).once('close', answered);
    sending.on('error', (error: unknown) => {
      if (settled || ctx.res.headersSent) {
        // The middleware chain is done (and bytes may be out): the client can only learn of it from a cut connection.
        ctx.state.log.error({ err: error, path: requested }, 'media stream failed');
        ctx.res.destroy();
        return;
      }
      settled = true;
      ctx.respond = true;
      for (const header of FILE_HEADERS) ctx.remove(header);
      reject(fromSend(error, file, requested));
    });
    ctx.respond = false;
    sending.pipe(ctx.res);
  });
}

/** send's refusals (http-errors with a status) in the catalogue's codes; anything else is ours to fix (500). */
function fromSend(error: unknown, file: RealFile, requested: string): ApiError {
  const status = (error as { status?: unknown } | null)?.status;
  if (status === 404) return new ApiError('MEDIA_NOT_FOUND', undefined, { path: requested });
  if (status === 416) {
    return new ApiError('RANGE_NOT_SATISFIABLE', `The file has ${file.size} bytes`, { size: file.size });
  }
  return new ApiError('INTERNAL_ERROR', undefined, undefined, { cause: error });
}
