import { randomBytes } from 'node:crypto';
import { etaSeconds } from '../../progress';
import { BatchExistsError, type BatchRecords, type BatchRow, type VideoSelection } from '../../store';
import type { BatchView } from '../../workflows/definitions';
import { ApiError, issueDetails } from '../errors';
import { readJsonBody } from '../middleware/json-body';
import {
  BatchCancelRequest,
  BatchId,
  BatchRequest,
  PageQuery,
  type BatchAccepted,
  type BatchPage,
  type BatchResponse,
} from '../models';
import type { Orchestrator } from '../orchestrator';
import type { BatchCommand } from '../orchestrator/batches';
import type { ApiRouter, OperationSpec } from '../operations';
import { fromCatalog } from '../videos';

export interface BatchRoutesDeps {
  orchestrator: Orchestrator;
  /** The catalog's batch records, made on first use: registering the routes touches no database. */
  records: () => BatchRecords;
  maxConcurrency: number;
  maxJsonBytes: number;
}

const batchUrl = (id: string) => `/api/v1/batches/${id}`;

const START_BATCH: OperationSpec = {
  operationId: 'startBatch',
  tag: 'batches',
  summary: 'Reprocess part or all of the catalog, a few runs at a time',
  description:
    "Starts a ReprocessBatch workflow (workflow id `batch:<id>`) that walks the selection and starts each video's " +
    'ordinary run, at most `concurrency` open at once. The selection is fixed at the start: videos uploaded later ' +
    'are not taken.',
  body: 'BatchRequest',
  success: { status: 202, description: 'The batch is started; `Location` is its status URL', model: 'BatchAccepted' },
  errors: [
    'INVALID_REQUEST',
    'BATCH_EMPTY',
    'BATCH_ALREADY_EXISTS',
    'PAYLOAD_TOO_LARGE',
    'UNSUPPORTED_MEDIA_TYPE',
    'CATALOG_UNAVAILABLE',
    'ORCHESTRATOR_UNAVAILABLE',
  ],
};

const GET_BATCH: OperationSpec = {
  operationId: 'getBatch',
  tag: 'batches',
  summary: "A batch's progress: counts, percentage, ETA, failures",
  description:
    "Answered by the batch's workflow while it runs, else from the catalog's record (`stale: true` while the " +
    'workflow cannot be asked). `?failures_after=<next>` pages through the failures.',
  success: { status: 200, description: 'The batch', model: 'BatchResponse' },
  errors: ['BATCH_NOT_FOUND', 'INVALID_REQUEST', 'CATALOG_UNAVAILABLE'],
};

const LIST_BATCHES: OperationSpec = {
  operationId: 'listBatches',
  tag: 'batches',
  summary: 'Batches, newest first, as the catalog last recorded them',
  query: PageQuery,
  success: { status: 200, description: 'A page of batches', model: 'BatchPage' },
  errors: ['INVALID_REQUEST', 'CATALOG_UNAVAILABLE'],
};

const commandSpec = (command: BatchCommand, summary: string): OperationSpec => ({
  operationId: `${command}Batch`,
  tag: 'batches',
  summary,
  ...(command === 'cancel' ? { body: 'BatchCancelRequest' as const } : {}),
  success: {
    status: 202,
    description: 'Asked; the batch answers it within its next round (10 s at most)',
    model: 'BatchResponse',
  },
  errors: [
    'BATCH_NOT_FOUND',
    'BATCH_NOT_RUNNING',
    'INVALID_REQUEST',
    'CATALOG_UNAVAILABLE',
    'ORCHESTRATOR_UNAVAILABLE',
  ],
});

/** Batch reprocessing: start one, read it, list them, and pause, resume or cancel one. */
export function batchRoutes(deps: BatchRoutesDeps, router: ApiRouter): void {
  const { orchestrator } = deps;
  let made: BatchRecords | undefined;
  const records = () => (made ??= deps.records());

  router.post('/api/v1/batches', START_BATCH, async (ctx) => {
    const parsed = BatchRequest.safeParse(await readJsonBody(ctx, deps.maxJsonBytes));
    if (!parsed.success) throw new ApiError('INVALID_REQUEST', undefined, issueDetails(parsed.error));
    const request = parsed.data;
    if (request.concurrency > deps.maxConcurrency) {
      throw new ApiError(
        'INVALID_REQUEST',
        `concurrency is at most ${deps.maxConcurrency} here (BATCH_MAX_CONCURRENCY)`,
      );
    }
    const createdAt = new Date().toISOString();
    const selection = selectionOf(request.select, createdAt);
    const total = await fromCatalog(records().countSelection(selection));
    if (total === 0) throw new ApiError('BATCH_EMPTY', undefined, { select: request.select });
    const batchId = request.id ?? newBatchId(createdAt);
    const workflowId = `batch:${batchId}`;
    try {
      await fromCatalog(
        records().insertBatch({ id: batchId, workflowId, request: { ...request, total }, counts: {}, createdAt }),
      );
    } catch (error) {
      if (error instanceof ApiError && error.cause instanceof BatchExistsError) {
        throw new ApiError('BATCH_ALREADY_EXISTS', undefined, { batch_id: batchId });
      }
      throw error;
    }
    try {
      await orchestrator.batches.start({
        batchId,
        selection,
        total,
        run: {
          ...(request.steps ? { steps: request.steps } : {}),
          ...(request.renditions ? { renditions: request.renditions } : {}),
        },
        concurrency: request.concurrency,
        onOpenRun: request.on_open_run,
      });
    } catch (error) {
      // Refused: no workflow, no batch (the record would say `running` for ever, and hold the id). Unanswered, the
      // workflow may exist all the same: the record stays, and GET says what it knows.
      const unanswered = error instanceof ApiError && error.code === 'ORCHESTRATOR_UNAVAILABLE';
      if (!unanswered)
        await records()
          .deleteBatch(batchId)
          .catch(() => undefined);
      throw error;
    }
    ctx.state.log = ctx.state.log.child({ batch_id: batchId });
    const body: BatchAccepted = {
      batch_id: batchId,
      workflow_id: workflowId,
      status: 'accepted',
      total,
      status_url: batchUrl(batchId),
      message: `Batch ${batchId} started over ${total} videos, ${request.concurrency} at a time`,
    };
    ctx.status = 202;
    ctx.set('Location', body.status_url);
    ctx.body = body;
  });

  router.get('/api/v1/batches', LIST_BATCHES, async (ctx) => {
    const query = PageQuery.safeParse(ctx.query);
    if (!query.success) throw new ApiError('INVALID_REQUEST', undefined, issueDetails(query.error));
    const before = query.data.cursor ? decodePosition(query.data.cursor) : null;
    const page = await fromCatalog(records().listBatches({ limit: query.data.limit, before }));
    const body: BatchPage = {
      items: page.items.map((row) => presentRecorded(row)),
      next_cursor: page.next ? encodePosition(page.next) : null,
    };
    ctx.body = body;
  });

  const present = async (batchId: string, failuresAfter: string | null): Promise<BatchResponse> => {
    const row = await fromCatalog(records().findBatch(batchId));
    if (!row) throw new ApiError('BATCH_NOT_FOUND', undefined, { batch_id: batchId });
    const live = row.finished_at === null ? await orchestrator.batches.view(batchId).catch(() => null) : null;
    const failures = await fromCatalog(
      records().listItems(batchId, 'failed', { limit: 20, afterVideoId: failuresAfter }),
    );
    return {
      ...(live ? presentLive(row, live) : presentRecorded(row)),
      failures: {
        items: failures.items.map((item) => ({
          video_id: item.video_id,
          run_id: item.run_id,
          error_code: item.error_code,
          error: item.error,
        })),
        next: failures.next,
      },
    };
  };

  router.router.param('batch_id', async (id, ctx, next) => {
    if (!BatchId.safeParse(id).success) throw new ApiError('INVALID_REQUEST', 'batch_id is 1–64 of A-Z a-z 0-9 _ -');
    ctx.state.log = ctx.state.log.child({ batch_id: id });
    await next();
  });

  router.get('/api/v1/batches/:batch_id', GET_BATCH, async (ctx) => {
    const after = typeof ctx.query['failures_after'] === 'string' ? ctx.query['failures_after'] : null;
    ctx.body = await present(ctx.params['batch_id'] as string, after);
  });

  const command = (name: BatchCommand, summary: string) =>
    router.post(`/api/v1/batches/:batch_id/${name}`, commandSpec(name, summary), async (ctx) => {
      const batchId = ctx.params['batch_id'] as string;
      const body = name === 'cancel' ? BatchCancelRequest.safeParse(await readJsonBody(ctx, deps.maxJsonBytes)) : null;
      if (body && !body.success) throw new ApiError('INVALID_REQUEST', undefined, issueDetails(body.error));
      const current = await present(batchId, null);
      // Done with every video, the batch is only recording its end: there is nothing left to steer.
      if (current.status === 'completed' || current.status === 'cancelled') {
        throw new ApiError('BATCH_NOT_RUNNING', undefined, { batch_id: batchId, status: current.status });
      }
      await orchestrator.batches.command(batchId, name, body?.data.cancel_runs ?? false);
      ctx.status = 202;
      ctx.body = await present(batchId, null);
    });
  command('pause', 'Pause a batch: no new runs start; open runs go on');
  command('resume', 'Resume a paused batch');
  command('cancel', 'Cancel a batch: no new runs; open runs finish, or are cancelled with cancel_runs');
}

/** The selection as the catalog takes it; createdBefore is fixed at the batch's start at the latest. */
function selectionOf(select: BatchRequest['select'], startedAt: string): VideoSelection {
  const before = select.created_before && select.created_before < startedAt ? select.created_before : startedAt;
  return {
    createdBefore: before,
    ...(select.ids ? { ids: select.ids } : {}),
    ...(select.never_completed ? { neverCompleted: true } : {}),
    ...(select.last_run_failed ? { lastRunFailed: true } : {}),
  };
}

function newBatchId(createdAt: string): string {
  return `b${createdAt.replace(/\D/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;
}

type Presented = Omit<BatchResponse, 'failures'>;

/** What the batch was asked, as recorded at its start, with the size of its selection then. */
function requestOf(row: BatchRow): { concurrency: number; total: number } {
  return JSON.parse(row.request) as { concurrency: number; total: number };
}

function totalOf(row: BatchRow): number {
  return requestOf(row).total;
}

function presentLive(row: BatchRow, live: BatchView): Presented {
  return {
    batch_id: row.id,
    workflow_id: row.workflow_id,
    status: live.status,
    counts: { total: totalOf(row), ...live.counts },
    progress: live.percent,
    eta_seconds: etaSeconds(live.percent / 100, live.startedAt, Date.now()),
    concurrency: requestOf(row).concurrency,
    peak_open: live.peakOpen,
    created_at: row.created_at,
    finished_at: null,
    stale: false,
  };
}

/** What the catalog last recorded; stale while the batch is open (its workflow could not be asked). */
function presentRecorded(row: BatchRow): Presented {
  const counts = JSON.parse(row.counts) as Partial<BatchResponse['counts']>;
  const count = (key: keyof BatchResponse['counts']) => counts[key] ?? 0;
  const status = ['running', 'paused', 'cancelling', 'completed', 'cancelled'].includes(row.status)
    ? (row.status as BatchResponse['status'])
    : 'running';
  return {
    batch_id: row.id,
    workflow_id: row.workflow_id,
    status,
    counts: {
      total: totalOf(row),
      selected: count('selected'),
      completed: count('completed'),
      failed: count('failed'),
      skipped: count('skipped'),
      cancelled: count('cancelled'),
      running: count('running'),
      pending: count('pending'),
    },
    progress: row.finished_at ? 100 : ((counts as { percent?: number }).percent ?? 0),
    eta_seconds: null,
    concurrency: requestOf(row).concurrency,
    peak_open: (counts as { peakOpen?: number }).peakOpen ?? 0,
    created_at: row.created_at,
    finished_at: row.finished_at,
    stale: row.finished_at === null,
  };
}

const encodePosition = (position: { createdAt: string; id: string }) =>
  Buffer.from(JSON.stringify(position)).toString('base64url');

function decodePosition(cursor: string): { createdAt: string; id: string } {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      createdAt?: unknown;
      id?: unknown;
    };
    if (typeof parsed.createdAt === 'string' && typeof parsed.id === 'string')
      return { createdAt: parsed.createdAt, id: parsed.id };
  } catch {
    // Refused below.
  }
  throw new ApiError('INVALID_REQUEST', 'The cursor is not one this API gave: pass next_cursor as it was');
}
