/**
 * A batch's bookkeeping, pure so the workflow and its tests share it: what is queued, open and done, and the
 * percentage weighted by each video's expected cost (its duration times its pixels, as the probe last saw it).
 */

/** How a video left the batch. */
export type BatchVideoOutcome = 'completed' | 'failed' | 'skipped' | 'cancelled';

/** A video picked from the selection, with what it is expected to cost. */
export interface BatchVideo {
  videoId: string;
  cost: number;
}

/** A run the batch waits for: one it started, or (when told to wait) one that was open already. */
export interface OpenBatchRun extends BatchVideo {
  runId: string;
  /** Started by the batch (false: a person's run it waits for, which a cancel leaves be). */
  ours: boolean;
}

export interface BatchCounts {
  /** Videos taken from the selection so far (all of it once `exhausted`). */
  selected: number;
  completed: number;
  failed: number;
  skipped: number;
  cancelled: number;
  running: number;
  pending: number;
}

/** The whole state, carried across continue-as-new. */
export interface BatchState {
  /** Where the walk through the selection stands (see BatchRecords.selectVideos). */
  after: { createdAt: string; id: string } | null;
  exhausted: boolean;
  queue: BatchVideo[];
  open: OpenBatchRun[];
  counts: Omit<BatchCounts, 'running' | 'pending'>;
  /** Cost of the videos selected so far, and of those done with. */
  costSelected: number;
  costDone: number;
  /** The most runs open at once so far. */
  peakOpen: number;
  /** The percentage shown so far, held at its highest (see holdPercent). */
  percent: number;
  paused: boolean;
  cancel: { cancelRuns: boolean } | null;
  startedAt: string;
  /** Executions of the batch so far (each continue-as-new adds one). */
  executions: number;
}

export type BatchStatus = 'running' | 'paused' | 'cancelling' | 'completed' | 'cancelled';

/** A video whose info says nothing of its size costs as much as a 60-second 720p one. */
export const DEFAULT_VIDEO_COST = 60 * 1280 * 720;

/** Expected cost of a video from the probe's info (JSON as the catalog keeps it): seconds × pixels. */
export function videoCost(info: string | null): number {
  try {
    const parsed = JSON.parse(info ?? 'null') as {
      durationSeconds?: unknown;
      width?: unknown;
      height?: unknown;
    } | null;
    const seconds = Number(parsed?.durationSeconds);
    const pixels = Number(parsed?.width) * Number(parsed?.height);
    return seconds > 0 && pixels > 0 ? seconds * pixels : DEFAULT_VIDEO_COST;
  } catch {
    return DEFAULT_VIDEO_COST;
  }
}

export function newBatchState(startedAt: string): BatchState {
  return {
    after: null,
    exhausted: false,
    queue: [],
    open: [],
    counts: { selected: 0, completed: 0, failed: 0, skipped: 0, cancelled: 0 },
    costSelected: 0,
    costDone: 0,
    peakOpen: 0,
    percent: 0,
    paused: false,
    cancel: null,
    startedAt,
    executions: 1,
  };
}

/** A page of the selection joins the queue. */
export function enqueue(state: BatchState, videos: readonly BatchVideo[], after: BatchState['after']): void {
  state.queue.push(...videos);
  state.counts.selected += videos.length;
  state.costSelected += videos.reduce((sum, video) => sum + video.cost, 0);
  state.after = after;
  state.exhausted = after === null;
}

/** Whether another run may start now: not paused or cancelled, a slot free, and a video left to take. */
export function mayStart(state: BatchState, concurrency: number): boolean {
  return (
    !state.paused &&
    state.cancel === null &&
    state.open.length < concurrency &&
    (state.queue.length > 0 || !state.exhausted)
  );
}

export function opened(state: BatchState, run: OpenBatchRun): void {
  state.open.push(run);
  state.peakOpen = Math.max(state.peakOpen, state.open.length);
}

/** A video is done with: its run closed, or it was skipped without one. */
export function finished(state: BatchState, video: BatchVideo, outcome: BatchVideoOutcome): void {
  state.open = state.open.filter((run) => run.videoId !== video.videoId);
  state.counts[outcome] += 1;
  state.costDone += video.cost;
}

/** Nothing left to start (or nothing more may start) and nothing open. */
export function isOver(state: BatchState): boolean {
  const nothingLeft = state.exhausted && state.queue.length === 0;
  return state.open.length === 0 && (nothingLeft || state.cancel !== null);
}

export function batchStatus(state: BatchState): BatchStatus {
  if (isOver(state)) return state.cancel !== null ? 'cancelled' : 'completed';
  if (state.cancel !== null) return 'cancelling';
  return state.paused ? 'paused' : 'running';
}

export function batchCounts(state: BatchState): BatchCounts {
  return { ...state.counts, running: state.open.length, pending: state.queue.length };
}

/**
 * Overall percentage, weighted by cost: how much of the selection's expected cost is done. The part of the selection
 * not yet walked (`total` videos were selected at the start) is counted at the average cost seen so far.
 */
export function batchPercent(state: BatchState, total: number): number {
  if (isOver(state)) return 100;
  if (state.counts.selected === 0 || state.costSelected <= 0) return 0;
  const unseen = Math.max(0, total - state.counts.selected) * (state.costSelected / state.counts.selected);
  return Math.min(100, Math.floor((state.costDone / (state.costSelected + unseen)) * 1000) / 10);
}

/** Moves the shown percentage on to batchPercent, never back: a costlier page than the average so far lowers the estimate. */
export function holdPercent(state: BatchState, total: number): number {
  state.percent = Math.max(state.percent, batchPercent(state, total));
  return state.percent;
}
