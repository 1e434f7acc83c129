import type { StepName } from './steps';

/** A subtask's status, as the API reports it. */
export const SUBTASK_STATUSES = [
  'pending',
  'running',
  'retrying',
  'completed',
  'skipped',
  'failed',
  'cancelled',
] as const;
export type SubtaskStatus = (typeof SUBTASK_STATUSES)[number];

/** A task's (run's) status, as the API reports it. */
export const TASK_STATUSES = [
  'queued',
  'running',
  'completed',
  'failed',
  'cancelled',
  'timed_out',
  'terminated',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** What the workflow itself knows of how its run ended (or that it has not yet). */
export type RunPhase = 'running' | 'completed' | 'failed' | 'cancelled';

/** Timestamps are ISO-8601 strings: inside the workflow they are workflow time, so replays produce the same state. */
export interface StepState {
  readonly name: StepName;
  status: SubtaskStatus;
  /** 0..1; never goes down. */
  fraction: number;
  attempt: number;
  weight: number;
  startedAt: string | null;
  updatedAt: string | null;
  finishedAt: string | null;
  message: string | null;
  error: string | null;
  /**
   * A step done as parts side by side (the transcode's chunks, on any worker): each part's weight, progress and
   * attempt. The step's fraction is the parts' weighted sum; its attempt the highest any part is on.
   */
  parts?: PartState[];
}

export interface PartReport {
  part: number;
  attempt: number;
  fraction: number;
}

/** `cancelled`: the part was stopped unfinished, because its step failed or the run was cancelled. */
export type PartStatus = 'pending' | 'running' | 'retrying' | 'completed' | 'cancelled';

export interface PartState {
  weight: number;
  /** 0..1; never goes down, across the part's attempts too. */
  fraction: number;
  attempt: number;
  status: PartStatus;
}

/** The raw state the workflow's `progress` query returns; the API derives everything else from it. */
export interface ProgressState {
  videoId: string;
  /** The run this state belongs to, so one query tells the API which run answered. */
  runId: string;
  phase: RunPhase;
  /** Bumped on every change, so clients can tell a new snapshot from a repeated one. */
  seq: number;
  steps: StepState[];
  /**
   * Overall completion, 0..1: the roll-up of the steps, held at its highest value so far. Weights change once the
   * probe has measured the video, and the percentage a client sees must not go down when they do.
   */
  overall: number;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
  error: string | null;
  result: unknown;
  /** The host the run's end is announced to (its callback_url's), when it has one; the delivery has its own state. */
  callbackHost?: string;
}

/** Sent by activities to their own workflow (signal `subtaskProgress`). */
export interface SubtaskProgressReport {
  step: StepName;
  /**
   * For a step made of parts (the transcode's chunks): the parts this report is about, coalesced into one signal
   * when several run on one worker. The report's own attempt and fraction then mean nothing.
   */
  parts?: PartReport[];
  attempt: number;
  fraction: number;
  message?: string;
  /** ISO-8601 time at which the activity measured this fraction. */
  at: string;
}

/** Task statuses after which nothing changes any more. */
export const FINAL_TASK_STATUSES: readonly TaskStatus[] = [
  'completed',
  'failed',
  'cancelled',
  'timed_out',
  'terminated',
];

export function isFinalTaskStatus(status: TaskStatus): boolean {
  return FINAL_TASK_STATUSES.includes(status);
}
