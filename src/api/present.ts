import {
  currentStep,
  etaSeconds,
  rollUpProgress,
  taskStatus,
  toPercent,
  type PartState,
  type ProgressState,
  type StepState,
} from '../progress';
import type { DeliveryState } from '../workflows/definitions';
import type { NotifyProgress, SubTaskProgress, TaskProgressResponse } from './models';
import type { ExecutionView } from './orchestrator';

/** The live answer: the workflow's own state, completed by the derived fields that need real time. */
export function presentProgress(state: ProgressState, execution: ExecutionView, now: number): TaskProgressResponse {
  const fraction = Math.max(state.overall, rollUpProgress(state.steps, state.phase));
  const status = taskStatus(state, execution.status);
  const running = status === 'running' || status === 'queued';
  return {
    video_id: state.videoId,
    workflow_id: execution.workflowId,
    run_id: execution.runId,
    status,
    progress: toPercent(fraction),
    current_step: running ? (currentStep(state.steps)?.name ?? null) : null,
    subtasks: state.steps.map((step) => presentStep(step, now)),
    started_at: state.startedAt,
    updated_at: state.updatedAt,
    finished_at: state.finishedAt ?? execution.closeTime?.toISOString() ?? null,
    eta_seconds: running ? etaSeconds(fraction, state.startedAt, now) : null,
    error: state.error,
    result: state.result,
    stale: false,
    message: null,
    // A run closed from outside (terminated, timed out) never saw its own end: its status changed with no new seq,
    // so the answer counts that change itself, and event streams see a new event.
    seq: status === taskStatus(state) ? state.seq : state.seq + 1,
    ...(state.callbackHost === undefined ? {} : { notify: presentNotify(state.callbackHost, null) }),
  };
}

/**
 * The answer when the workflow cannot be asked (no worker polling, or its query timed out): what Temporal itself
 * knows of the execution, marked stale, with the reason.
 */
export function presentFromExecution(videoId: string, execution: ExecutionView, reason: string): TaskProgressResponse {
  const queued = taskStatus(null, execution.status);
  const status = queued === 'queued' && execution.stepsStarted ? 'running' : queued;
  return {
    video_id: videoId,
    workflow_id: execution.workflowId,
    run_id: execution.runId,
    status,
    progress: status === 'completed' ? 100 : 0,
    current_step: null,
    // Per-step state lives only in the workflow: rather than guess it, a stale answer lists no subtasks.
    subtasks: [],
    started_at: execution.startTime.toISOString(),
    updated_at: null,
    finished_at: execution.closeTime?.toISOString() ?? null,
    eta_seconds: null,
    error: null,
    result: null,
    stale: true,
    message: reason,
    seq: 0,
  };
}

function presentStep(step: StepState, now: number): SubTaskProgress {
  const active = step.status === 'running' || step.status === 'retrying';
  return {
    name: step.name,
    status: step.status,
    progress: toPercent(step.fraction),
    attempt: step.attempt,
    weight: step.weight,
    started_at: step.startedAt,
    updated_at: step.updatedAt,
    finished_at: step.finishedAt,
    eta_seconds: active ? etaSeconds(step.fraction, step.startedAt, now) : null,
    message: step.message,
    error: step.error,
    ...(step.parts === undefined ? {} : { parts: countParts(step.parts) }),
  };
}

function countParts(parts: readonly PartState[]): NonNullable<SubTaskProgress['parts']> {
  const count = (status: PartState['status']) => parts.filter((part) => part.status === status).length;
  return {
    total: parts.length,
    completed: count('completed'),
    running: count('running'),
    retrying: count('retrying'),
    pending: count('pending'),
    cancelled: count('cancelled'),
  };
}

/** The notify step of a run with a callback: the delivery's own state once it has one, else still to come. */
export function presentNotify(urlHost: string, delivery: DeliveryState | null): NotifyProgress {
  return {
    status: delivery?.status ?? 'pending',
    url_host: urlHost,
    attempt: delivery?.attempt ?? 0,
    last_status: delivery?.lastStatus ?? null,
    last_error: delivery?.lastError ?? null,
    next_attempt_at: delivery?.nextAttemptAt ?? null,
    delivered_at: delivery?.deliveredAt ?? null,
  };
}
