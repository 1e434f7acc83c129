import type Router from '@koa/router';
import { type RouterMiddleware } from '@koa/router';
import { selectSteps } from '../../progress';
import type { RequestState } from '../context';
import { ApiError, issueDetails } from '../errors';
import { readJsonBody } from '../middleware/json-body';
import type { CancelResponse } from '../models';
import { ReprocessRequest } from '../models';
import type { Orchestrator } from '../orchestrator';
import type { ProgressReader } from '../progress-reader';
import type { StartRun } from '../starts';
import { statusUrl, type VideoCheck } from '../videos';

export interface ReprocessRoutesDeps {
  orchestrator: Orchestrator;
  startRun: StartRun;
  progress: ProgressReader;
  requireVideo: VideoCheck;
  maxJsonBytes: number;
}

/**
 * A video's runs: start one (`POST …/run_sync`, the legacy name kept for existing clients, and its canonical twin
 * `POST …/reprocess`), read the latest one's progress (`GET`), cancel it (`DELETE`).
 */
export function reprocessRoutes(deps: ReprocessRoutesDeps, router: Router<RequestState>): void {
  const { orchestrator, startRun, progress, requireVideo, maxJsonBytes } = deps;

  const start: RouterMiddleware<RequestState> = async (ctx) => {
    const videoId = ctx.params['video_id'] as string;
    const parsed = ReprocessRequest.safeParse(await readJsonBody(ctx, maxJsonBytes));
    if (!parsed.success) {
      throw new ApiError('INVALID_REQUEST', undefined, issueDetails(parsed.error));
    }
    await requireVideo(videoId);
    const body = await startRun({
      videoId,
      steps: selectSteps(parsed.data.steps),
      ...(parsed.data.renditions ? { renditions: parsed.data.renditions } : {}),
    });
    ctx.state.log = ctx.state.log.child({ run_id: body.run_id });
    ctx.state.log.debug({ steps: body.steps }, 'run started');
    ctx.status = 202;
    ctx.set('Location', body.status_url);
    ctx.body = body;
  };

  router.post('/api/v1/videos/:video_id/run_sync', start);
  router.post('/api/v1/videos/:video_id/reprocess', start);

  router.get('/api/v1/videos/:video_id/reprocess', async (ctx) => {
    const videoId = ctx.params['video_id'] as string;
    await requireVideo(videoId);
    const body = await progress.read(videoId);
    ctx.state.log = ctx.state.log.child({ run_id: body.run_id });
    if (body.stale) ctx.state.log.warn({ reason: body.message }, 'stale progress answer');
    ctx.body = body;
  });

  router.delete('/api/v1/videos/:video_id/reprocess', async (ctx) => {
    const videoId = ctx.params['video_id'] as string;
    await requireVideo(videoId);
    const execution = await orchestrator.cancel(videoId);
    ctx.state.log = ctx.state.log.child({ run_id: execution.runId });
    ctx.state.log.info('run cancellation requested');
    const body: CancelResponse = {
      video_id: videoId,
      workflow_id: execution.workflowId,
      run_id: execution.runId,
      status: 'cancelling',
      status_url: statusUrl(videoId),
      message: `Cancelling run ${execution.runId}; it ends "cancelled" once its steps have stopped`,
    };
    ctx.status = 202;
    ctx.set('Location', body.status_url);
    ctx.body = body;
  });
}
