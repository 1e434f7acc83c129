import { z } from 'zod';
// Imports nothing of Node: the dashboard's browser code takes its types from here too.
import { VIDEO_ID_PATTERN } from '../media/video-id';
import { STEP_NAMES, SUBTASK_STATUSES, TASK_STATUSES } from '../progress';

/** The zod models shared by the routes (validation) and the docs: nothing about the API's shape is declared twice. */

export const VideoId = z.string().regex(VIDEO_ID_PATTERN);

export const StepNameModel = z.enum(STEP_NAMES);

export const ReprocessRequest = z
  .object({
    steps: z.array(StepNameModel).max(STEP_NAMES.length).optional(),
    renditions: z.array(z.number().int().min(144).max(4320)).min(1).max(8).optional(),
    /** Where the run's end is announced: a signed POST (Standard Webhooks) once it completes, fails or is cancelled. */
    callback_url: z.string().max(8_192).optional(),
  })
  .strict();
export type ReprocessRequest = z.infer<typeof ReprocessRequest>;

const Timestamp = z.iso.datetime();

export const AsyncTaskResponse = z.object({
  video_id: VideoId,
  workflow_id: z.string(),
  run_id: z.string(),
  task_id: z.string(),
  status: z.literal('accepted'),
  steps: z.array(StepNameModel),
  accepted_at: Timestamp,
  status_url: z.string(),
  events_url: z.string(),
  message: z.string(),
});
export type AsyncTaskResponse = z.infer<typeof AsyncTaskResponse>;

export const SubTaskProgress = z.object({
  name: StepNameModel,
  status: z.enum(SUBTASK_STATUSES),
  progress: z.number().min(0).max(100),
  attempt: z.number().int().min(0),
  weight: z.number().min(0),
  started_at: Timestamp.nullable(),
  updated_at: Timestamp.nullable(),
  finished_at: Timestamp.nullable(),
  eta_seconds: z.number().int().min(0).nullable(),
  message: z.string().nullable(),
  error: z.string().nullable(),
  /** A step done as parts side by side (the transcode's chunks, on any worker): how many are where. */
  parts: z
    .object({
      total: z.number().int().min(0),
      completed: z.number().int().min(0),
      running: z.number().int().min(0),
      retrying: z.number().int().min(0),
      pending: z.number().int().min(0),
      /** Stopped unfinished: the step failed or the run was cancelled. */
      cancelled: z.number().int().min(0),
    })
    .optional(),
});
export type SubTaskProgress = z.infer<typeof SubTaskProgress>;

/** The run's webhook delivery (the `notify` step): it starts as the run ends and may outlive it by hours. */
export const NotifyProgress = z.object({
  status: z.enum(['pending', 'delivering', 'waiting', 'delivered', 'failed']),
  /** The callback's host only: its path and query may carry the receiver's token. */
  url_host: z.string(),
  attempt: z.number().int().min(0),
  last_status: z.number().int().nullable(),
  last_error: z.string().nullable(),
  next_attempt_at: Timestamp.nullable(),
  delivered_at: Timestamp.nullable(),
});
export type NotifyProgress = z.infer<typeof NotifyProgress>;

export const TaskProgressResponse = z.object({
  video_id: VideoId,
  workflow_id: z.string(),
  run_id: z.string(),
  status: z.enum(TASK_STATUSES),
  progress: z.number().min(0).max(100),
  current_step: StepNameModel.nullable(),
  subtasks: z.array(SubTaskProgress),
  started_at: Timestamp.nullable(),
  updated_at: Timestamp.nullable(),
  finished_at: Timestamp.nullable(),
  eta_seconds: z.number().int().min(0).nullable(),
  error: z.string().nullable(),
  result: z.unknown(),
  /** True when the answer does not come from the live workflow; `message` says why. */
  stale: z.boolean(),
  message: z.string().nullable(),
  seq: z.number().int().min(0),
  /** Only for runs started with a callback_url. */
  notify: NotifyProgress.optional(),
});
export type TaskProgressResponse = z.infer<typeof TaskProgressResponse>;

export const CancelResponse = z.object({
  video_id: VideoId,
  workflow_id: z.string(),
  run_id: z.string(),
  /** Cancellation is asked for; the run ends `cancelled` once its steps have stopped and cleaned up. */
  status: z.literal('cancelling'),
  status_url: z.string(),
  message: z.string(),
});
export type CancelResponse = z.infer<typeof CancelResponse>;

export const HealthResponse = z.object({ status: z.literal('ok') });

const ReadinessCheck = z.object({ ok: z.boolean(), ms: z.number().min(0), error: z.string().optional() });

/** `/readyz` when every dependency answers; otherwise a NOT_READY error whose details hold the same checks. */
export const ReadinessResponse = z.object({
  status: z.literal('ready'),
  checks: z.record(z.string(), ReadinessCheck),
});
export type ReadinessResponse = z.infer<typeof ReadinessResponse>;

/** Query of the paginated lists: newest first, `cursor` from the previous page's `next_cursor`. */
export const PageQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().min(1).max(512).optional().describe('next_cursor of the previous page'),
  })
  .strict();

/** The form fields of an upload (`POST /api/v1/videos`, multipart/form-data) beside its `file`. */
/** Longest title a video may have, given in the form or taken from the uploaded file's name. */
export const TITLE_MAX_LENGTH = 500;

export const IngestFields = z
  .object({
    id: VideoId.optional(),
    title: z.string().trim().min(1).max(TITLE_MAX_LENGTH).optional(),
    process: z.enum(['true', 'false']).optional(),
    /** With `process=true`: where the run's end is announced, as in the start body. */
    callback_url: z.string().max(8_192).optional(),
  })
  .strict();

const OutputFile = z.object({ path: z.string(), url: z.string(), size_bytes: z.number().int().min(0) });

/** Attempts of a run's steps, summed, read from its last recorded state; null when none was recorded. */
const RunAttempts = z.object({
  total: z.number().int().min(0),
  /** Attempts beyond each step's first: how often something was retried. */
  retries: z.number().int().min(0),
});

export const RunRecord = z.object({
  run_id: z.string(),
  video_id: VideoId,
  status: z.enum(TASK_STATUSES),
  progress: z.number().min(0).max(100),
  steps: z.array(StepNameModel),
  error: z.string().nullable(),
  created_at: Timestamp,
  started_at: Timestamp.nullable(),
  finished_at: Timestamp.nullable(),
  updated_at: Timestamp,
  attempts: RunAttempts.nullable(),
  /** How the run's webhook delivery ended, once it has; absent for runs without a callback. */
  notify: NotifyProgress.optional(),
});
export type RunRecord = z.infer<typeof RunRecord>;

export const VideoResponse = z.object({
  id: VideoId,
  title: z.string().nullable(),
  size_bytes: z.number().int().min(0),
  /** What ffprobe found; null until the video has been probed. */
  info: z.unknown(),
  created_at: Timestamp,
  updated_at: Timestamp,
  /** The published run's outputs, served under /media; null before a run has published. */
  outputs: z
    .object({
      run_id: z.string(),
      base_url: z.string(),
      master_playlist_url: z.string().nullable(),
      poster_url: z.string().nullable(),
      manifest_url: z.string(),
      files: z.array(OutputFile),
    })
    .nullable(),
  latest_run: RunRecord.nullable(),
  status_url: z.string(),
});
export type VideoResponse = z.infer<typeof VideoResponse>;

/** 201 to an upload: the video, and the run it started when asked to (`process=true`). */
export const IngestResponse = VideoResponse.extend({ run: AsyncTaskResponse.nullable() });
export type IngestResponse = z.infer<typeof IngestResponse>;

export const VideoPage = z.object({ items: z.array(VideoResponse), next_cursor: z.string().nullable() });
export type VideoPage = z.infer<typeof VideoPage>;
export const RunHistoryPage = z.object({ items: z.array(RunRecord), next_cursor: z.string().nullable() });
export type RunHistoryPage = z.infer<typeof RunHistoryPage>;

export const BatchId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/);

/** Which videos a batch takes: every one (`all`), these `ids`, or those matching every filter given. */
const BatchSelection = z
  .object({
    all: z.literal(true).optional(),
    ids: z.array(VideoId).min(1).max(10_000).optional(),
    created_before: Timestamp.optional(),
    never_completed: z.literal(true).optional(),
    last_run_failed: z.literal(true).optional(),
  })
  .strict()
  .refine((selection) => Object.keys(selection).length > 0, {
    message: 'say which videos: all, ids, or filters (created_before, never_completed, last_run_failed)',
  })
  .refine((selection) => !selection.all || Object.keys(selection).length === 1, {
    message: 'all takes every video: it goes without ids or filters',
  });

export const BatchRequest = z
  .object({
    /** The batch's id; one is made when absent. */
    id: BatchId.optional(),
    select: BatchSelection,
    steps: z.array(StepNameModel).max(STEP_NAMES.length).optional(),
    renditions: z.array(z.number().int().min(144).max(4320)).min(1).max(8).optional(),
    /** Runs open at once, at most; bounded by BATCH_MAX_CONCURRENCY. */
    concurrency: z.number().int().min(1).max(1_000).default(2),
    /** A video whose run is already open: `skip` it, or `wait` for that run and count its outcome. */
    on_open_run: z.enum(['skip', 'wait']).default('skip'),
  })
  .strict();
export type BatchRequest = z.infer<typeof BatchRequest>;

/** `failed`: the batch's workflow ended without finishing (failed, terminated, timed out, or never started). */
const BatchStatusModel = z.enum(['running', 'paused', 'cancelling', 'completed', 'cancelled', 'failed']);

const BatchCountsModel = z.object({
  /** Videos in the selection when the batch started. */
  total: z.number().int().min(0),
  selected: z.number().int().min(0),
  completed: z.number().int().min(0),
  failed: z.number().int().min(0),
  skipped: z.number().int().min(0),
  cancelled: z.number().int().min(0),
  running: z.number().int().min(0),
  pending: z.number().int().min(0),
});

export const BatchAccepted = z.object({
  batch_id: BatchId,
  workflow_id: z.string(),
  status: z.literal('accepted'),
  total: z.number().int().min(1),
  status_url: z.string(),
  message: z.string(),
});
export type BatchAccepted = z.infer<typeof BatchAccepted>;

export const BatchFailure = z.object({
  video_id: VideoId,
  run_id: z.string().nullable(),
  error_code: z.string().nullable(),
  error: z.string().nullable(),
});

export const BatchResponse = z.object({
  batch_id: BatchId,
  workflow_id: z.string(),
  status: BatchStatusModel,
  counts: BatchCountsModel,
  /** 0–100, weighted by each video's expected cost (duration × pixels); never goes down. */
  progress: z.number().min(0).max(100),
  eta_seconds: z.number().int().min(0).nullable(),
  concurrency: z.number().int(),
  /** The most runs the batch had open at once. */
  peak_open: z.number().int().min(0),
  created_at: Timestamp,
  finished_at: Timestamp.nullable(),
  /** True when the batch's workflow did not answer and this is the catalog's last record of it. */
  stale: z.boolean(),
  /** Videos that failed, a page at a time (`?failures_after=` the page's `next`). */
  failures: z.object({ items: z.array(BatchFailure), next: z.string().nullable() }),
});
export type BatchResponse = z.infer<typeof BatchResponse>;

export const BatchPage = z.object({
  items: z.array(BatchResponse.omit({ failures: true })),
  next_cursor: z.string().nullable(),
});
export type BatchPage = z.infer<typeof BatchPage>;

export const BatchCancelRequest = z.object({ cancel_runs: z.boolean().default(false) }).strict();

/** A media token: read-only, for one video's event stream and `/media` files, until it expires. */
export const MediaTokenResponse = z.object({
  token: z.string(),
  video_id: VideoId,
  scope: z.literal('read'),
  expires_at: Timestamp,
  expires_in: z.number().int().min(1).describe('seconds'),
  /** Where the token is taken, as `?token=`; nowhere else. */
  accepted_on: z.array(z.string()),
});
export type MediaTokenResponse = z.infer<typeof MediaTokenResponse>;

/** What a client (the dashboard) needs to know of this deployment before it asks for anything else. */
export const ServiceInfoResponse = z.object({
  version: z.string(),
  /** Whether requests need `Authorization: Bearer <key>`. */
  api_keys_required: z.boolean(),
  steps: z.array(StepNameModel),
  /** Steps every run performs, whatever it asks for. */
  mandatory_steps: z.array(StepNameModel),
  /** The default ladder's heights, tallest first; a run never makes one taller than its source. */
  renditions: z.array(z.number().int()),
  temporal: z.object({ ui_url: z.string(), namespace: z.string() }),
  max_upload_bytes: z.number().int(),
});
export type ServiceInfoResponse = z.infer<typeof ServiceInfoResponse>;

export const ErrorEnvelope = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
    request_id: z.string(),
  }),
});
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;
