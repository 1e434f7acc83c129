import { z } from 'zod';
import { VIDEO_ID_PATTERN } from '../media/layout';
import { STEP_NAMES, SUBTASK_STATUSES, TASK_STATUSES } from '../progress';

/** The zod models shared by the routes (validation) and the docs: nothing about the API's shape is declared twice. */

export const VideoId = z.string().regex(VIDEO_ID_PATTERN);

export const StepNameModel = z.enum(STEP_NAMES);

export const ReprocessRequest = z
  .object({
    steps: z.array(StepNameModel).max(STEP_NAMES.length).optional(),
    renditions: z.array(z.number().int().min(144).max(4320)).min(1).max(8).optional(),
    // `callback_url` (DESIGN §3) comes with the notify step; until then it is refused, not silently ignored.
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
});
export type SubTaskProgress = z.infer<typeof SubTaskProgress>;

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

export const ErrorEnvelope = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
    request_id: z.string(),
  }),
});
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;
