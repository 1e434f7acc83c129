import { PassThrough } from 'node:stream';
import { BatchExistsError, type BatchRecords } from '../../store';
import { BatchPresenter, newBatchId, selectionOf } from '../batches';
import { ApiError, issueDetails } from '../errors';
import type { StreamAllowance } from '../events/allowance';
import type { FeedEvent } from '../events/feed';
import { FINAL_BATCH_STATUSES, followBatches, isBatchOver } from '../events/followed';
import { ProgressHub } from '../events/hub';
import { formatSse } from '../events/sse';
import { feedEventWriter, serveEventStream, takeStream } from '../events/stream';
import type { ApiMetrics } from '../metrics';
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
import { parsePageQuery } from '../paging';
import { fromCatalog } from '../videos';

export interface BatchRoutesDeps {
  orchestrator: Orchestrator;
  /** The catalog's batch records, made on first use: registering the routes touches no database. */
  records: () => BatchRecords;
  maxConcurrency: number;
  maxJsonBytes: number;
  /** Event streams: the same allowance as the videos' streams, so one client's streams are counted together. */
  streams: { allowance: StreamAllowance; keepAliveMs: number; pollMs: number; metrics: ApiMetrics };
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
  summary: 'Batches, newest first: open ones as their workflows answer, ended ones as the catalog recorded them',
  query: PageQuery,
  success: { status: 200, description: 'A page of batches', model: 'BatchPage' },
  errors: ['INVALID_REQUEST', 'CATALOG_UNAVAILABLE'],
};

const FOLLOW_BATCH: OperationSpec = {
  operationId: 'followBatch',
  tag: 'batches',
  summary: 'Follow a batch live (server-sent events)',
  description:
    'One `progress` event (data: BatchResponse) per change of its status, counts or percentage, `problem` events ' +
    '(data: ErrorEnvelope) while the batch cannot be read, keep-alive comments, then an `end` event (id `end`) once ' +
    'the batch has ended. A client reconnecting with `Last-Event-ID: end` after the end gets 204.',
  success: {
    status: 200,
    description: 'An event stream; each `progress` event carries a BatchResponse',
    media: 'text/event-stream',
  },
  errors: ['BATCH_NOT_FOUND', 'INVALID_REQUEST', 'CATALOG_UNAVAILABLE', 'TOO_MANY_STREAMS'],
  lastEventId: true,
  also: { status: 204, description: 'The client has already seen the end of the batch (`Last-Event-ID: end`)' },
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
  const presenter = new BatchPresenter(records, orchestrator.batches);
  const hub = new ProgressHub(
    followBatches((id) => presenter.present(id, null)),
    deps.streams.pollMs,
  );

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
        records().insertBatch({
          id: batchId,
          workflowId,
          request: { ...request, total, selection },
          counts: {},
          createdAt,
        }),
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
    const query = parsePageQuery(ctx.query);
    const page = await fromCatalog(records().listBatches({ limit: query.limit, cursor: query.cursor }));
    // Open batches are asked live (a page holds few), so a list shows what a batch's own GET would.
    const items = await Promise.all(page.items.map((row) => presenter.summarize(row)));
    const body: BatchPage = { items, next_cursor: page.nextCursor };
    ctx.body = body;
  });

  router.router.param('batch_id', async (id, ctx, next) => {
    if (!BatchId.safeParse(id).success) throw new ApiError('INVALID_REQUEST', 'batch_id is 1–64 of A-Z a-z 0-9 _ -');
    ctx.state.log = ctx.state.log.child({ batch_id: id });
    await next();
  });

  router.get('/api/v1/batches/:batch_id', GET_BATCH, async (ctx) => {
    const after = typeof ctx.query['failures_after'] === 'string' ? ctx.query['failures_after'] : null;
    ctx.body = await presenter.present(ctx.params['batch_id'] as string, after);
  });

  router.get('/api/v1/batches/:batch_id/events', FOLLOW_BATCH, async (ctx) => {
    const batchId = ctx.params['batch_id'] as string;
    const giveBack = takeStream(ctx, deps.streams.allowance);
    // Events that arrive while the first read is pending are kept, and sent after it.
    const pending: FeedEvent<BatchResponse>[] = [];
    let deliver: (event: FeedEvent<BatchResponse>) => void = (event) => pending.push(event);
    const feed = hub.feedFor(batchId);
    const unlisten = feed.listen((event) => deliver(event));
    const stream = new PassThrough();
    const cleanup = () => {
      giveBack();
      unlisten();
      stream.end();
    };
    let first: BatchResponse;
    try {
      // A feed others follow already has newer than its first read: that is what this client starts from.
      first = (await feed.ready, feed.current ?? (await feed.ready));
    } catch (error) {
      cleanup();
      throw error;
    }
    const over = isBatchOver(first);
    if (ctx.req.socket.destroyed || (over && ctx.get('Last-Event-ID').trim() === 'end')) {
      cleanup();
      ctx.status = 204;
      return;
    }
    ctx.res.once('close', cleanup);
    // The end carries the id `end`: a client that reconnects after it is told (204) that there is nothing more.
    const end = (status: string | null) => stream.end(formatSse({ id: 'end', event: 'end', data: { status } }));
    const onEvent = feedEventWriter<BatchResponse>(ctx, stream, {
      send: (snapshot) => stream.write(formatSse({ event: 'progress', data: snapshot })),
      end,
      lastStatus: () => feed.current?.status ?? null,
    });
    serveEventStream(ctx, stream, deps.streams);
    stream.write(formatSse({ event: 'progress', data: first }));
    if (over) return end(first.status);
    deliver = onEvent;
    for (const event of pending.splice(0)) onEvent(event);
  });

  const command = (name: BatchCommand, summary: string) =>
    router.post(`/api/v1/batches/:batch_id/${name}`, commandSpec(name, summary), async (ctx) => {
      const batchId = ctx.params['batch_id'] as string;
      const body = name === 'cancel' ? BatchCancelRequest.safeParse(await readJsonBody(ctx, deps.maxJsonBytes)) : null;
      if (body && !body.success) throw new ApiError('INVALID_REQUEST', undefined, issueDetails(body.error));
      const current = await presenter.present(batchId, null);
      // Done with every video, the batch is only recording its end: there is nothing left to steer.
      if (FINAL_BATCH_STATUSES.has(current.status)) {
        throw new ApiError('BATCH_NOT_RUNNING', undefined, { batch_id: batchId, status: current.status });
      }
      await orchestrator.batches.command(batchId, name, body?.data.cancel_runs ?? false);
      ctx.status = 202;
      ctx.body = await presenter.present(batchId, null);
    });
  command('pause', 'Pause a batch: no new runs start; open runs go on');
  command('resume', 'Resume a paused batch');
  command('cancel', 'Cancel a batch: no new runs; open runs finish, or are cancelled with cancel_runs');
}
