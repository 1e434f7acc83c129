import { condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { createBatchActivities } from '../activities/batch';
import {
  batchCounts,
  holdPercent,
  batchStatus,
  enqueue,
  finished,
  isOver,
  mayStart,
  newBatchState,
  opened,
  type BatchState,
} from '../progress';
import {
  BATCH_HISTORY_LIMIT,
  batchProgressQuery,
  cancelBatchSignal,
  pauseBatchSignal,
  resumeBatchSignal,
  type BatchView,
  type ReprocessBatchInput,
} from './definitions';
import { now } from './steps';

type BatchActivities = ReturnType<typeof createBatchActivities>;

const { selectBatchPage, cancelBatchRuns, recordBatch } = proxyActivities<BatchActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: ['BatchesUnavailable'] },
});
// These heartbeat at each video: a worker killed inside one is noticed in seconds, not at the minute's end.
const { startBatchRuns, awaitBatchRuns } = proxyActivities<BatchActivities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: ['BatchesUnavailable'] },
});

/** Videos read from the catalog at a time. */
const PAGE_SIZE = 100;
/**
 * Reprocesses part of the catalog: walks the selection page by page, keeps at most `concurrency` of the videos'
 * ordinary runs open, records what became of each, and hands its state on through continue-as-new before its
 * history grows long. Pausing stops new starts; cancelling stops them for good (and, if asked, cancels the open
 * runs); a failed video never fails the batch, which ends `completed` with its counts, or `cancelled`.
 */
export async function ReprocessBatch(input: ReprocessBatchInput): Promise<BatchView> {
  const state: BatchState = input.carried ?? newBatchState(now());
  const view = (): BatchView => ({
    batchId: input.batchId,
    status: batchStatus(state),
    counts: batchCounts(state),
    percent: state.percent,
    startedAt: state.startedAt,
    peakOpen: state.peakOpen,
    executions: state.executions,
    open: state.open.map((run) => run.videoId),
  });
  setHandler(batchProgressQuery, view);
  setHandler(pauseBatchSignal, () => void (state.paused = true));
  setHandler(resumeBatchSignal, () => void (state.paused = false));
  // A second cancel may ask for more (the open runs cancelled too), never for less.
  setHandler(cancelBatchSignal, ({ cancelRuns }) => {
    state.cancel = { cancelRuns: cancelRuns || (state.cancel?.cancelRuns ?? false) };
  });
  let runsCancelled = false;
  /** What the catalog keeps of the batch while it runs: its counts, peak and the percentage shown. */
  const recorded = () => ({ ...batchCounts(state), peakOpen: state.peakOpen, percent: state.percent });
  /** Hands the state to a new execution once the history has grown long; the open runs are waited for there. */
  const continueIfLong = async () => {
    const { historyLength, continueAsNewSuggested } = workflowInfo();
    if (historyLength > BATCH_HISTORY_LIMIT || continueAsNewSuggested) {
      state.executions += 1;
      await continueAsNew<typeof ReprocessBatch>({ ...input, carried: state });
    }
  };

  for (;;) {
    while (mayStart(state, input.concurrency)) {
      if (state.queue.length === 0) {
        const page = await selectBatchPage({ batchId: input.batchId, after: state.after, limit: PAGE_SIZE });
        enqueue(state, page.videos, page.after);
        holdPercent(state, input.total);
        continue;
      }
      const videos = state.queue.splice(0, input.concurrency - state.open.length);
      const started = await startBatchRuns({
        batchId: input.batchId,
        videos,
        run: input.run,
        onOpenRun: input.onOpenRun,
      });
      for (const run of started.open) opened(state, run);
      for (const done of started.done) finished(state, done.video, done.outcome);
      holdPercent(state, input.total);
      await continueIfLong();
    }
    if (state.cancel?.cancelRuns && !runsCancelled && state.open.length > 0) {
      await cancelBatchRuns({ open: state.open });
      runsCancelled = true;
    }
    if (isOver(state)) break;
    if (state.open.length === 0) {
      // Paused with nothing open: recorded so, then wait for a resume or a cancel.
      await recordBatch({ batchId: input.batchId, status: batchStatus(state), counts: recorded(), finishedAt: null });
      await condition(() => !state.paused || state.cancel !== null);
      continue;
    }
    const closed = await awaitBatchRuns({
      batchId: input.batchId,
      open: state.open,
      status: batchStatus(state),
      counts: recorded(),
    });
    for (const done of closed) finished(state, done.video, done.outcome);
    holdPercent(state, input.total);
    await continueIfLong();
  }

  holdPercent(state, input.total);
  const final = view();
  await recordBatch({
    batchId: input.batchId,
    status: final.status,
    counts: recorded(),
    finishedAt: now(),
  });
  return final;
}
