import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { VideoInfo } from '../media/probe';
import type { BatchCounts, BatchState, BatchStatus, ProgressState, StepName, SubtaskProgressReport } from '../progress';

/** The workflow type name clients start; fixed by the design, so renaming the function must not change it. */
export const REPROCESS_WORKFLOW_TYPE = 'ReprocessVideo';

export interface ReprocessInput {
  videoId: string;
  /** Steps asked for; `probe` always runs. Absent or empty means every step. */
  steps?: StepName[];
  /** Rendition heights asked for, e.g. [360, 720]. */
  renditions?: number[];
  /**
   * The task queue of the media steps, so heavy work never holds up the light steps of other runs. Absent in runs
   * started before queues were split: their media steps run on the run's own queue, as they were scheduled then.
   */
  mediaTaskQueue?: string;
  /** Where the run's end is announced, and on what schedule; absent when the start named no callback_url. */
  notify?: { url: string; retryScheduleMs: number[] };
}

export interface ReprocessResult {
  videoId: string;
  info: VideoInfo;
  /** What each step produced, keyed by step; steps not run are absent. */
  outputs: Record<string, unknown>;
  /** The published run's manifest, relative to the video's `current` folder. */
  manifest: string | null;
}

/** The raw progress state; the API derives percentages, ETA and status from it. */
export const progressQuery = defineQuery<ProgressState>('progress');

/** Activities report their own progress through this signal. */
export const subtaskProgressSignal = defineSignal<[SubtaskProgressReport]>('subtaskProgress');

/** Keyword search attribute with the step in progress, so runs can be filtered in the Temporal UI. */
export const REPROCESS_STAGE = defineSearchAttributeKey('ReprocessStage', SearchAttributeType.KEYWORD);

/** Bad input is refused at once: these ApplicationFailure types are never retried. */
export const NON_RETRYABLE_ERROR_TYPES = ['VideoNotFound', 'InvalidMedia', 'UnsupportedMedia'];

/** The workflow type of a run's webhook delivery: one per run with a callback_url, started as the run ends. */
export const DELIVER_WEBHOOK_WORKFLOW_TYPE = 'DeliverWebhook';

/** The event a delivery announces, after the run it tells of. */
export type WebhookEventType = 'reprocess.completed' | 'reprocess.failed' | 'reprocess.cancelled';

/**
 * The delivery's workflow id: the video's and the run's, with a separator video ids cannot hold, so it never
 * takes a video's id (a run's workflow id) and the Temporal UI lists it beside its video.
 */
export function deliveryWorkflowId(videoId: string, runId: string): string {
  return `${videoId}:notify:${runId}`;
}

export interface DeliverWebhookInput {
  videoId: string;
  runId: string;
  url: string;
  /** Milliseconds before each attempt; as many attempts as entries. */
  retryScheduleMs: number[];
  type: WebhookEventType;
  /** When the run ended: the event's own time, the same on every attempt. */
  timestamp: string;
  /** The run's final state and Temporal's view of it, presented as the GET would answer. */
  state: ProgressState;
  execution: { status: 'COMPLETED' | 'FAILED' | 'CANCELLED'; startTime: string; closeTime: string };
}

/** Where a delivery is; `delivered` and `failed` are final. */
export interface DeliveryState {
  status: 'pending' | 'delivering' | 'waiting' | 'delivered' | 'failed';
  /** Attempts made so far. */
  attempt: number;
  /** The receiver's last HTTP status; null when it never answered. */
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  finishedAt: string | null;
}

/** The delivery's state, for the run's `notify` step. */
export const deliveryQuery = defineQuery<DeliveryState>('delivery');

/** The workflow type of a batch reprocess of part of the catalog. */
export const REPROCESS_BATCH_WORKFLOW_TYPE = 'ReprocessBatch';

/**
 * A batch's workflow id: `batch:` and the batch id. Video ids cannot hold `:`, so a batch never takes a video's
 * id (a run's workflow id), whatever the batch is called.
 */
export function batchWorkflowId(batchId: string): string {
  return `batch:${batchId}`;
}

export interface ReprocessBatchInput {
  /** The batch's id; its selection is read from its record in the catalog, page by page. */
  batchId: string;
  /** How many the selection held when the batch started: the percentage counts the unwalked rest by it. */
  total: number;
  /** What each run makes, as a single run's start takes it. */
  run: { steps?: StepName[]; renditions?: number[] };
  /** Runs open at once, at most. */
  concurrency: number;
  /** A video whose run is already open: skip it, or wait for that run and count its outcome. */
  onOpenRun: 'skip' | 'wait';
  /** The state a continued execution carries on from. */
  carried?: BatchState;
}

/**
 * The priority key of the runs a batch starts: Temporal serves lower keys first (1–5; unset means 3), so a person's
 * run, started with none, is served before the batch's. Their activities inherit it.
 */
export const BATCH_RUN_PRIORITY = 5;

/** What a batch's progress query answers. */
export interface BatchView {
  batchId: string;
  status: BatchStatus;
  counts: BatchCounts;
  percent: number;
  startedAt: string;
  peakOpen: number;
  executions: number;
  open: string[];
}

/**
 * Events after which a batch's execution hands its state to a new one (continue-as-new), well under Temporal's
 * limits, so a batch of any size keeps every history short. The server's own suggestion is followed too.
 */
export const BATCH_HISTORY_LIMIT = 4_000;

export const batchProgressQuery = defineQuery<BatchView>('batchProgress');
export const pauseBatchSignal = defineSignal('pauseBatch');
export const resumeBatchSignal = defineSignal('resumeBatch');
export const cancelBatchSignal = defineSignal<[{ cancelRuns: boolean }]>('cancelBatch');
