import { ApplicationFailure, CancelledFailure, Context, sleep } from '@temporalio/activity';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import type { BatchVideo, BatchVideoOutcome, OpenBatchRun, StepName } from '../progress';
import { videoCost } from '../progress';
import type { BatchRecords, SelectionPosition } from '../store';
import {
  BATCH_RUN_PRIORITY,
  REPROCESS_STAGE,
  REPROCESS_WORKFLOW_TYPE,
  type ReprocessInput,
} from '../workflows/definitions';

/** What the batch activities need: the batch records, and a client to start and watch the videos' runs. */
export interface BatchDeps {
  records: BatchRecords;
  client: Client;
  /** Where runs are started, as the API starts them. */
  taskQueue: string;
  mediaTaskQueue: string;
}

/** A video the batch is done with, and how. */
export interface BatchVideoResult {
  video: BatchVideo;
  outcome: BatchVideoOutcome;
  runId: string | null;
  errorCode: string | null;
  error: string | null;
}

export interface StartBatchRunsInput {
  batchId: string;
  videos: BatchVideo[];
  run: { steps?: StepName[]; renditions?: number[] };
  onOpenRun: 'skip' | 'wait';
}

/** Longest one awaitBatchRuns waits before it answers, closed runs or not, so the batch reads its signals. */
const AWAIT_ROUND_MS = 10_000;
const POLL_MS = 1_000;

/**
 * The batch's hands: it walks the selection, starts each video's ordinary ReprocessVideo run (workflow id = video
 * id, so a person's start meanwhile is refused as ever, and the batch sees a run already open), waits for runs to
 * close and records what became of each video. Every write is idempotent: a retried attempt repeats nothing.
 */
export function createBatchActivities(deps: BatchDeps | undefined) {
  const need = (): BatchDeps => {
    if (!deps) throw ApplicationFailure.nonRetryable('This worker has no batch records', 'BatchesUnavailable');
    return deps;
  };

  return {
    /** The next page of the batch's selection, as recorded at its start. */
    async selectBatchPage(input: {
      batchId: string;
      after: SelectionPosition | null;
      limit: number;
    }): Promise<{ videos: BatchVideo[]; after: SelectionPosition | null }> {
      const { records } = need();
      const selection = await records.selectionOf(input.batchId);
      // Retrying cannot make it appear: the batch fails, and the API closes its record as failed.
      if (selection === null) {
        throw ApplicationFailure.nonRetryable(`Batch ${input.batchId} has no recorded selection`, 'BatchNotRecorded');
      }
      const page = await records.selectVideos(selection, { limit: input.limit, after: input.after });
      return { videos: page.items.map((item) => ({ videoId: item.id, cost: videoCost(item.info) })), after: page.next };
    },

    /**
     * Starts each video's run; a video whose run is open is skipped, or waited for, as the batch was asked. A run this
     * batch started already (an earlier attempt of this activity, cut off before it answered) is taken over, open or
     * closed: a retry never starts a video twice.
     */
    async startBatchRuns(input: StartBatchRunsInput): Promise<{ open: OpenBatchRun[]; done: BatchVideoResult[] }> {
      const { client, taskQueue, mediaTaskQueue, records } = need();
      const open: OpenBatchRun[] = [];
      const done: BatchVideoResult[] = [];
      const summary = (videoId: string) => runSummary(videoId, input.batchId);
      for (const video of input.videos) {
        Context.current().heartbeat();
        // An attempt given up on (its heartbeat timed out) stops here: the newer one does the rest.
        if (Context.current().cancellationSignal.aborted) {
          throw new CancelledFailure('A newer attempt of startBatchRuns took over');
        }
        const earlier = await latestRun(client, video.videoId);
        if (earlier && earlier.summary === summary(video.videoId)) {
          const run: OpenBatchRun = { ...video, runId: earlier.runId, ours: true };
          const closed = earlier.open ? null : await closedOutcome(client, run);
          if (closed) {
            await recordItem(records, input.batchId, closed);
            done.push(closed);
          } else open.push(run);
          continue;
        }
        const args: ReprocessInput = { videoId: video.videoId, ...input.run, mediaTaskQueue };
        try {
          const handle = await client.workflow.start(REPROCESS_WORKFLOW_TYPE, {
            workflowId: video.videoId,
            taskQueue,
            args: [args],
            workflowIdConflictPolicy: 'FAIL',
            workflowIdReusePolicy: 'ALLOW_DUPLICATE',
            staticSummary: summary(video.videoId),
            typedSearchAttributes: [{ key: REPROCESS_STAGE, value: 'queued' }],
            priority: { priorityKey: BATCH_RUN_PRIORITY },
          });
          open.push({ ...video, runId: handle.firstExecutionRunId, ours: true });
        } catch (error) {
          if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
          // Started meanwhile: by an attempt of this very start running alongside (taken over as the batch's own),
          // or by a person or another batch.
          const description = await client.workflow.getHandle(video.videoId).describe();
          const { runId } = description;
          const ours = (await description.staticSummary()) === summary(video.videoId);
          if (ours || input.onOpenRun === 'wait') {
            open.push({ ...video, runId, ours });
          } else {
            const skipped: BatchVideoResult = {
              video,
              outcome: 'skipped',
              runId,
              errorCode: 'TASK_ALREADY_RUNNING',
              error: `Run ${runId} was already open`,
            };
            await recordItem(records, input.batchId, skipped);
            done.push(skipped);
          }
        }
      }
      return { open, done };
    },

    /**
     * Waits until one or more of the open runs close (10 s at most), records each, and answers with them. The batch's
     * counts as the workflow last had them are recorded first, so the catalog follows the batch.
     */
    async awaitBatchRuns(input: {
      batchId: string;
      open: OpenBatchRun[];
      status: string;
      counts: unknown;
    }): Promise<BatchVideoResult[]> {
      const { client, records } = need();
      await records.updateBatch(input.batchId, { status: input.status, counts: input.counts, finishedAt: null });
      const deadline = Date.now() + AWAIT_ROUND_MS;
      for (;;) {
        const closed = (await Promise.all(input.open.map((run) => closedOutcome(client, run)))).filter(
          (result): result is BatchVideoResult => result !== null,
        );
        for (const result of closed) await recordItem(records, input.batchId, result);
        if (closed.length > 0 || Date.now() >= deadline) return closed;
        Context.current().heartbeat();
        await sleep(POLL_MS);
      }
    },

    /** Asks each open run the batch started to cancel (a batch cancelled with cancel_runs); a person's are left be. */
    async cancelBatchRuns(input: { open: OpenBatchRun[] }): Promise<void> {
      const { client } = need();
      await Promise.all(
        input.open
          .filter((run) => run.ours)
          .map((run) =>
            client.workflow
              .getHandle(run.videoId, run.runId)
              .cancel()
              .catch(() => undefined),
          ),
      );
    },

    async recordBatch(input: { batchId: string; status: string; counts: unknown; finishedAt: string | null }) {
      await need().records.updateBatch(input.batchId, input);
    },
  };
}

/** The video's latest run, with its summary; null when it never ran (or is past retention). */
async function latestRun(
  client: Client,
  videoId: string,
): Promise<{ runId: string; open: boolean; summary: string | undefined } | null> {
  try {
    const description = await client.workflow.getHandle(videoId).describe();
    return {
      runId: description.runId,
      open: description.status.name === 'RUNNING',
      summary: await description.staticSummary(),
    };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return null;
    throw error;
  }
}

/** The summary of a run a batch starts, shown in the Temporal UI; it also tells the batch its own runs apart. */
function runSummary(videoId: string, batchId: string): string {
  return `Reprocess video ${videoId} (batch ${batchId})`;
}

/** How a run ended, or null while it is open. */
async function closedOutcome(client: Client, run: OpenBatchRun): Promise<BatchVideoResult | null> {
  const handle = client.workflow.getHandle(run.videoId, run.runId);
  const base = { video: { videoId: run.videoId, cost: run.cost }, runId: run.runId };
  const described = await handle.describe().catch((error: unknown) => {
    if (error instanceof WorkflowNotFoundError) return null;
    throw error;
  });
  // Gone past Temporal's retention before the batch saw it close: its outcome is not known.
  if (described === null)
    return { ...base, outcome: 'failed', errorCode: 'RUN_NOT_FOUND', error: 'The run is no longer known' };
  const { status } = described;
  if (status.name === 'RUNNING') return null;
  if (status.name === 'COMPLETED') return { ...base, outcome: 'completed', errorCode: null, error: null };
  if (status.name === 'CANCELLED') return { ...base, outcome: 'cancelled', errorCode: 'CANCELLED', error: null };
  const failure = await handle.result().then(
    () => null,
    (error: unknown) => error,
  );
  const cause = failure instanceof WorkflowFailedError ? failure.cause : undefined;
  const errorCode = (cause as { type?: unknown } | undefined)?.type;
  return {
    ...base,
    outcome: 'failed',
    errorCode: typeof errorCode === 'string' && errorCode !== '' ? errorCode : status.name,
    error: cause?.message ?? (failure instanceof Error ? failure.message : null),
  };
}

function recordItem(records: BatchRecords, batchId: string, result: BatchVideoResult): Promise<void> {
  return records.recordItem({
    batchId,
    videoId: result.video.videoId,
    outcome: result.outcome,
    runId: result.runId,
    errorCode: result.errorCode,
    error: result.error,
    finishedAt: new Date().toISOString(),
  });
}
