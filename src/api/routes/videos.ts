import { promises as fs } from 'node:fs';
import path from 'node:path';
import type Router from '@koa/router';
import { MediaError } from '../../media/errors';
import { findSourceFile, videoDir } from '../../media/layout';
import { probeFile } from '../../media/probe-file';
import { selectSteps } from '../../progress';
import { decodeCursor, VideoExistsError, type Catalog } from '../../store';
import type { RequestState } from '../context';
import { ApiError, asApiError } from '../errors';
import type { ApiMetrics } from '../metrics';
import { IngestFields, PageQuery, TITLE_MAX_LENGTH, type IngestResponse, type RunHistoryPage } from '../models';
import type { Orchestrator } from '../orchestrator';
import { presentRun, presentVideo } from '../present-video';
import { receiveUpload } from '../upload';
import { acceptedRun, fromCatalog, videoNotFound, type VideoCheck } from '../videos';

export interface VideoRoutesDeps {
  catalog: Catalog;
  orchestrator: Orchestrator;
  metrics: ApiMetrics;
  requireVideo: VideoCheck;
  dataDir: string;
  ffprobePath: string;
  maxUploadBytes: number;
}

/** Extensions kept for the stored source; anything else is stored as `.bin` (ffprobe reads content, not names). */
const SOURCE_EXTENSION = /^\.(mp4|m4v|mov|mkv|webm|avi|mpg|mpeg|ts|m2ts|mts|flv|3gp|wmv|ogv)$/i;

/** The catalog's routes: upload a video, list videos, read one, and read its run history. */
export function videoRoutes(deps: VideoRoutesDeps, router: Router<RequestState>): void {
  const { catalog, orchestrator, metrics, requireVideo, dataDir } = deps;

  router.post('/api/v1/videos', async (ctx) => {
    if (!ctx.is('multipart/form-data')) {
      throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'Send the video as multipart/form-data, in a field named "file"');
    }
    const upload = await receiveUpload(ctx.req, ctx.headers, { dataDir, limitBytes: deps.maxUploadBytes });
    try {
      const fields = IngestFields.safeParse(upload.fields);
      if (!fields.success) {
        throw new ApiError('INVALID_UPLOAD', undefined, {
          issues: fields.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
        });
      }
      const videoId = fields.data.id ?? newVideoId();
      ctx.state.log = ctx.state.log.child({ video_id: videoId });
      if (await findSourceFile(dataDir, videoId)) {
        throw new ApiError('VIDEO_ALREADY_EXISTS', undefined, { video_id: videoId });
      }
      const info = await probeFile(deps.ffprobePath, upload.file.path, { timeoutMs: 60_000 }).catch(
        (error: unknown) => {
          if (error instanceof MediaError)
            throw new ApiError('INVALID_MEDIA', `Not a video reprocess can read: ${error.message}`);
          throw error;
        },
      );

      // The row is the reservation: of two uploads with one id, only the one that inserts it goes on to place its
      // file, and a file already in place is never replaced.
      const extension = path.extname(upload.file.name);
      const source = path.join(
        videoDir(dataDir, videoId),
        `source${SOURCE_EXTENSION.test(extension) ? extension.toLowerCase() : '.bin'}`,
      );
      const now = new Date().toISOString();
      await fromCatalog(
        catalog.insertVideo({
          id: videoId,
          title: fields.data.title ?? titleFromFilename(upload.file.name),
          source_path: path.relative(dataDir, source),
          size_bytes: upload.file.size,
          info: JSON.stringify(info),
          current_run_id: null,
          created_at: now,
          updated_at: now,
        }),
      ).catch((error: unknown) => {
        if (error instanceof VideoExistsError)
          throw new ApiError('VIDEO_ALREADY_EXISTS', undefined, { video_id: videoId });
        throw error;
      });
      try {
        await placeWithoutReplacing(upload.file.path, source);
      } catch (error) {
        await catalog.deleteVideo(videoId).catch(() => undefined);
        await fs.rmdir(path.dirname(source)).catch(() => undefined);
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new ApiError('VIDEO_ALREADY_EXISTS', undefined, { video_id: videoId });
        }
        throw error;
      }

      let run: IngestResponse['run'] = null;
      if (fields.data.process === 'true') {
        const steps = selectSteps(undefined);
        // The video is in the catalog by now, and stays: a failed start says so, and the run can be started later.
        const { runId } = await orchestrator.start({ videoId, steps }).catch((error: unknown) => {
          const failure = asApiError(error);
          throw new ApiError(
            failure.code,
            `Video ${videoId} was stored, but its run could not be started: ${failure.message} ` +
              `Start it with POST /api/v1/videos/${videoId}/reprocess.`,
            { ...failure.details, video_id: videoId, video_created: true },
            { cause: error },
          );
        });
        metrics.starts.inc({ outcome: 'accepted' });
        run = acceptedRun(videoId, runId, steps);
      }
      const video = await fromCatalog(catalog.findVideo(videoId));
      if (!video) throw new ApiError('INTERNAL_ERROR');
      const body: IngestResponse = { ...(await presentVideo(dataDir, video, undefined)), run };
      ctx.status = 201;
      ctx.set('Location', `/api/v1/videos/${videoId}`);
      ctx.body = body;
    } finally {
      // A refused upload leaves nothing: not the received file, not a folder, not a row.
      await fs.rm(upload.file.path, { force: true });
    }
  });

  router.get('/api/v1/videos', async (ctx) => {
    const query = parsePageQuery(ctx.query);
    const page = await fromCatalog(catalog.listVideos({ limit: query.limit, cursor: query.cursor }));
    const items = await Promise.all(
      page.items.map(async (video) => presentVideo(dataDir, video, await fromCatalog(catalog.latestRun(video.id)))),
    );
    ctx.body = { items, next_cursor: page.nextCursor };
  });

  router.get('/api/v1/videos/:video_id', async (ctx) => {
    const videoId = ctx.params['video_id'] as string;
    await requireVideo(videoId);
    const [video, latest] = await fromCatalog(Promise.all([catalog.findVideo(videoId), catalog.latestRun(videoId)]));
    if (!video) throw videoNotFound(videoId);
    ctx.body = await presentVideo(dataDir, video, latest);
  });

  router.get('/api/v1/videos/:video_id/reprocess/history', async (ctx) => {
    const videoId = ctx.params['video_id'] as string;
    await requireVideo(videoId);
    const query = parsePageQuery(ctx.query);
    const page = await fromCatalog(catalog.listRuns(videoId, { limit: query.limit, cursor: query.cursor }));
    const body: RunHistoryPage = { items: page.items.map(presentRun), next_cursor: page.nextCursor };
    ctx.body = body;
  });
}

function parsePageQuery(query: unknown) {
  const parsed = PageQuery.safeParse(query);
  if (!parsed.success) {
    throw new ApiError('INVALID_REQUEST', 'Query: limit is 1–100, cursor is a next_cursor from a previous page', {
      issues: parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    });
  }
  const cursor = parsed.data.cursor === undefined ? null : decodeCursor(parsed.data.cursor);
  if (parsed.data.cursor !== undefined && cursor === null) {
    throw new ApiError('INVALID_REQUEST', 'The cursor is not one this API gave: pass next_cursor as it was');
  }
  return { limit: parsed.data.limit, cursor };
}

/**
 * Puts the received file at `target` unless something is there already (EEXIST): a hard link, which is atomic and
 * refuses to replace, then the received name is dropped. Uploads are received on the media file system, so the
 * link never crosses devices.
 */
async function placeWithoutReplacing(received: string, target: string): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  await fs.link(received, target);
  await fs.rm(received, { force: true });
}

/**
 * The title an upload gets when the form gives none: the file's name as the client sent it, bounded like a title
 * field and without control characters (it is shown in lists and logs).
 */
export function titleFromFilename(name: string): string | null {
  // eslint-disable-next-line no-control-regex
  const printable = name.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').trim();
  const bounded = Array.from(printable).slice(0, TITLE_MAX_LENGTH).join('').trim();
  return bounded === '' ? null : bounded;
}

/** A readable id for an upload that names none. */
function newVideoId(): string {
  return `v${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}
