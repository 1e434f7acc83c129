import type { Catalog } from '../../store';
import { parsePageQuery } from '../paging';
import { ApiError } from '../errors';
import { ingestUpload, type IngestDeps } from '../ingest';
import { IngestFields, PageQuery, type IngestResponse, type RunHistoryPage } from '../models';
import { VIDEO_ERRORS, type ApiRouter, type OperationSpec } from '../operations';
import { presentRun, presentVideo } from '../present-video';
import { receiveUpload } from '../upload';
import { fromCatalog, videoNotFound, type VideoCheck } from '../videos';

export interface VideoRoutesDeps extends IngestDeps {
  catalog: Catalog;
  requireVideo: VideoCheck;
  maxUploadBytes: number;
}

const UPLOAD_VIDEO: OperationSpec = {
  operationId: 'uploadVideo',
  tag: 'videos',
  summary: 'Upload a video (multipart/form-data, streamed)',
  description:
    'Fields: `file` (the video, required), `id` (else one is made), `title`, `process=true` to start a run at once, ' +
    '`callback_url` (with `process=true`) to have its end announced. ' +
    'The file is checked with ffprobe before it is accepted; a refused upload leaves nothing behind.',
  upload: IngestFields,
  success: { status: 201, description: 'The video; `Location` is its URL', model: 'IngestResponse' },
  errors: [
    'INVALID_UPLOAD',
    'INVALID_CALLBACK_URL',
    'CALLBACKS_DISABLED',
    'VIDEO_ALREADY_EXISTS',
    'PAYLOAD_TOO_LARGE',
    'UNSUPPORTED_MEDIA_TYPE',
    'INVALID_MEDIA',
    'CATALOG_UNAVAILABLE',
    'ORCHESTRATOR_UNAVAILABLE',
  ],
};

const LIST_VIDEOS: OperationSpec = {
  operationId: 'listVideos',
  tag: 'videos',
  summary: 'List videos, newest first',
  query: PageQuery,
  success: { status: 200, description: 'A page of videos', model: 'VideoPage' },
  errors: ['INVALID_REQUEST', 'CATALOG_UNAVAILABLE'],
};

const GET_VIDEO: OperationSpec = {
  operationId: 'getVideo',
  tag: 'videos',
  summary: 'A video: its info, published outputs and latest run',
  success: { status: 200, description: 'The video', model: 'VideoResponse' },
  errors: VIDEO_ERRORS,
};

const RUN_HISTORY: OperationSpec = {
  operationId: 'runHistory',
  tag: 'runs',
  summary: "The video's runs, newest first, from the catalog",
  query: PageQuery,
  success: { status: 200, description: 'A page of runs', model: 'RunHistoryPage' },
  errors: [...VIDEO_ERRORS, 'INVALID_REQUEST'],
};

/** The catalog's routes: upload a video, list videos, read one, and read its run history. */
export function videoRoutes(deps: VideoRoutesDeps, router: ApiRouter): void {
  const { catalog, requireVideo, dataDir } = deps;

  router.post('/api/v1/videos', UPLOAD_VIDEO, async (ctx) => {
    if (!ctx.is('multipart/form-data')) {
      throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'Send the video as multipart/form-data, in a field named "file"');
    }
    const upload = await receiveUpload(ctx.req, ctx.headers, { dataDir, limitBytes: deps.maxUploadBytes });
    const { video, run } = await ingestUpload(deps, upload);
    ctx.state.log = ctx.state.log.child({ video_id: video.id, ...(run ? { run_id: run.run_id } : {}) });
    const body: IngestResponse = { ...(await presentVideo(dataDir, video, undefined)), run };
    ctx.status = 201;
    ctx.set('Location', `/api/v1/videos/${video.id}`);
    ctx.body = body;
  });

  router.get('/api/v1/videos', LIST_VIDEOS, async (ctx) => {
    const query = parsePageQuery(ctx.query);
    const page = await fromCatalog(catalog.listVideos({ limit: query.limit, cursor: query.cursor }));
    const items = await Promise.all(
      page.items.map(async (video) => presentVideo(dataDir, video, await fromCatalog(catalog.latestRun(video.id)))),
    );
    ctx.body = { items, next_cursor: page.nextCursor };
  });

  router.get('/api/v1/videos/:video_id', GET_VIDEO, async (ctx) => {
    const videoId = ctx.params['video_id'] as string;
    await requireVideo(videoId);
    const [video, latest] = await fromCatalog(Promise.all([catalog.findVideo(videoId), catalog.latestRun(videoId)]));
    if (!video) throw videoNotFound(videoId);
    ctx.body = await presentVideo(dataDir, video, latest);
  });

  router.get('/api/v1/videos/:video_id/reprocess/history', RUN_HISTORY, async (ctx) => {
    const videoId = ctx.params['video_id'] as string;
    await requireVideo(videoId);
    const query = parsePageQuery(ctx.query);
    const page = await fromCatalog(catalog.listRuns(videoId, { limit: query.limit, cursor: query.cursor }));
    const body: RunHistoryPage = { items: page.items.map(presentRun), next_cursor: page.nextCursor };
    ctx.body = body;
  });
}
