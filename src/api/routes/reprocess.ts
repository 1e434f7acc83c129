import Router, { type RouterMiddleware } from '@koa/router';
import { findSourceFile } from '../../media/layout';
import { selectSteps } from '../../progress';
import type { RequestState } from '../context';
import { ApiError } from '../errors';
import { readJsonBody } from '../middleware/json-body';
import { AsyncTaskResponse, ReprocessRequest, VideoId, type TaskProgressResponse } from '../models';
import type { Orchestrator } from '../orchestrator';
import { presentFromExecution, presentProgress } from '../present';

export interface ReprocessRoutesDeps {
  orchestrator: Orchestrator;
  dataDir: string;
  maxJsonBytes: number;
}

function videoNotFound(videoId: string): ApiError {
  return new ApiError('VIDEO_NOT_FOUND', `No video ${videoId}: put its file at media/${videoId}/source.<ext>`);
}

export const statusUrl = (videoId: string) => `/api/v1/videos/${videoId}/reprocess`;

/** Start a run and read its progress: `POST …/run_sync` (legacy name, kept), `POST …/reprocess`, `GET …/reprocess`. */
export function reprocessRoutes({ orchestrator, dataDir, maxJsonBytes }: ReprocessRoutesDeps): Router<RequestState> {
  const router = new Router<RequestState>({ prefix: '/api/v1/videos' });

  router.param('video_id', async (id, ctx, next) => {
    if (!VideoId.safeParse(id).success) throw new ApiError('INVALID_VIDEO_ID', undefined, { video_id: id });
    await next();
  });

  const startRun: RouterMiddleware<RequestState> = async (ctx) => {
    const videoId = ctx.params['video_id'] as string;
    const parsed = ReprocessRequest.safeParse(await readJsonBody(ctx, maxJsonBytes));
    if (!parsed.success) {
      throw new ApiError('INVALID_REQUEST', undefined, {
        issues: parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
      });
    }
    if ((await findSourceFile(dataDir, videoId)) === null) throw videoNotFound(videoId);
    const steps = selectSteps(parsed.data.steps);
    const { runId } = await orchestrator.start({
      videoId,
      steps,
      ...(parsed.data.renditions ? { renditions: parsed.data.renditions } : {}),
    });
    ctx.state.log.info({ video_id: videoId, workflow_id: videoId, run_id: runId }, 'run started');
    const body: AsyncTaskResponse = {
      video_id: videoId,
      workflow_id: videoId,
      run_id: runId,
      task_id: runId,
      status: 'accepted',
      steps,
      accepted_at: new Date().toISOString(),
      status_url: statusUrl(videoId),
      events_url: `${statusUrl(videoId)}/events`,
      message: `Reprocessing of ${videoId} started; follow it at the status_url`,
    };
    ctx.status = 202;
    ctx.set('Location', body.status_url);
    ctx.body = AsyncTaskResponse.parse(body);
  };

  router.post('/:video_id/run_sync', startRun);
  router.post('/:video_id/reprocess', startRun);

  router.get('/:video_id/reprocess', async (ctx) => {
    const videoId = ctx.params['video_id'] as string;
    if ((await findSourceFile(dataDir, videoId)) === null) throw videoNotFound(videoId);
    const execution = await orchestrator.describe(videoId);
    let body: TaskProgressResponse;
    try {
      const state = await orchestrator.queryProgress(videoId, execution.runId);
      body = presentProgress(state, execution, Date.now());
    } catch (error) {
      ctx.state.log.warn({ video_id: videoId, run_id: execution.runId, err: error }, 'progress query unanswered');
      body = presentFromExecution(
        videoId,
        execution,
        'The workflow did not answer its progress query in time (is a worker polling the task queue?); ' +
          'this answer comes from the workflow service alone',
      );
    }
    ctx.body = body;
  });

  return router;
}
