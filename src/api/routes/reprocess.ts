import { type RouterMiddleware } from '@koa/router';
import { selectSteps, STEP_NAMES } from '../../progress';
import { callbackFor, type CallbackSettings } from '../callbacks';
import type { RequestState } from '../context';
import { ApiError, issueDetails } from '../errors';
import { readJsonBody } from '../middleware/json-body';
import type { CancelResponse } from '../models';
import { ReprocessRequest } from '../models';
import type { Orchestrator } from '../orchestrator';
import { READ_ERRORS, VIDEO_ERRORS, type ApiRouter, type OperationSpec } from '../operations';
import type { ProgressReader } from '../progress-reader';
import type { StartRun } from '../starts';
import { statusUrl, type VideoCheck } from '../videos';

export interface ReprocessRoutesDeps {
  orchestrator: Orchestrator;
  callbacks: CallbackSettings;
  startRun: StartRun;
  progress: ProgressReader;
  requireVideo: VideoCheck;
  maxJsonBytes: number;
}

/**
 * A video's runs: start one (`POST …/run_sync`, the legacy name kept for existing clients, and its canonical twin
 * `POST …/reprocess`), read the latest one's progress (`GET`), cancel it (`DELETE`).
 */
export function reprocessRoutes(deps: ReprocessRoutesDeps, router: ApiRouter): void {
  const { orchestrator, startRun, progress, requireVideo, maxJsonBytes, callbacks } = deps;

  const start: RouterMiddleware<RequestState> = async (ctx) => {
    const videoId = ctx.params['video_id'] as string;
    const parsed = ReprocessRequest.safeParse(await readJsonBody(ctx, maxJsonBytes));
    if (!parsed.success) {
      throw new ApiError('INVALID_REQUEST', undefined, issueDetails(parsed.error));
    }
    const notify = callbackFor(callbacks, parsed.data.callback_url);
    await requireVideo(videoId);
    const body = await startRun({
      videoId,
      steps: selectSteps(parsed.data.steps),
      ...(parsed.data.renditions ? { renditions: parsed.data.renditions } : {}),
      ...(notify ? { notify } : {}),
    });
    ctx.state.log = ctx.state.log.child({ run_id: body.run_id });
    ctx.state.log.debug({ steps: body.steps }, 'run started');
    ctx.status = 202;
    ctx.set('Location', body.status_url);
    ctx.body = body;
  };

  router.post(
    '/api/v1/videos/:video_id/run_sync',
    startSpec('startRunLegacy', 'Start reprocessing (legacy name: it does not wait, it answers 202 at once)'),
    start,
  );
  router.post('/api/v1/videos/:video_id/reprocess', startSpec('startRun', 'Start reprocessing'), start);

  router.get(
    '/api/v1/videos/:video_id/reprocess',
    {
      operationId: 'getProgress',
      tag: 'runs',
      summary: 'Progress of the latest run',
      description:
        "Answered by the workflow's query handler within QUERY_TIMEOUT_MS. When the workflow cannot answer (no " +
        "worker), the answer comes from Temporal's record of the run with `stale: true` and a `message` saying why.",
      success: { status: 200, description: 'The latest run', model: 'TaskProgressResponse' },
      errors: READ_ERRORS,
    },
    async (ctx) => {
      const videoId = ctx.params['video_id'] as string;
      await requireVideo(videoId);
      const body = await progress.read(videoId);
      ctx.state.log = ctx.state.log.child({ run_id: body.run_id });
      if (body.stale) ctx.state.log.warn({ reason: body.message }, 'stale progress answer');
      ctx.body = body;
    },
  );

  router.delete(
    '/api/v1/videos/:video_id/reprocess',
    {
      operationId: 'cancelRun',
      tag: 'runs',
      summary: 'Cancel the open run',
      description: 'Asks the open run to cancel; it ends `cancelled` once its steps have stopped and cleaned up.',
      success: { status: 202, description: 'Cancellation requested', model: 'CancelResponse' },
      errors: [...READ_ERRORS, 'TASK_NOT_RUNNING'],
    },
    async (ctx) => {
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
    },
  );
}

/** The two start routes (the legacy name and its canonical twin) answer alike. */
function startSpec(operationId: string, summary: string): OperationSpec {
  return {
    operationId,
    tag: 'runs',
    summary,
    description:
      'Starts a run of ReprocessVideo for the video and answers at once; the body is optional. `probe` and `publish` ' +
      `always run; the steps are ${STEP_NAMES.join(', ')}. One run per video at a time.`,
    body: 'ReprocessRequest',
    success: {
      status: 202,
      description: 'The run is started; `Location` is its status URL',
      model: 'AsyncTaskResponse',
    },
    errors: [
      ...VIDEO_ERRORS,
      'INVALID_REQUEST',
      'INVALID_CALLBACK_URL',
      'CALLBACKS_DISABLED',
      'TASK_ALREADY_RUNNING',
      'PAYLOAD_TOO_LARGE',
      'UNSUPPORTED_MEDIA_TYPE',
      'ORCHESTRATOR_UNAVAILABLE',
    ],
  };
}
