import { STEP_NAMES } from './steps';

/** One pending activity as Temporal's describe reports it, reduced to what tells whether it was picked up. */
export interface PendingActivityFact {
  activityType: string;
  /** Started by a worker (Temporal's PENDING_ACTIVITY_STATE_STARTED). */
  started: boolean;
  attempt: number;
}

/** Stages the run's `ReprocessStage` search attribute takes once the probe has finished. */
const PAST_THE_PROBE = new Set(['processing', 'publish', 'completed']);

/**
 * Whether any processing step was picked up, from what Temporal records without a worker: a step's activity that a
 * worker started or is retrying, or the run's stage, which the workflow moves past `probe` once the probe is done.
 * Activities that are not steps (the catalog's records) do not count, and neither does the history's length, which
 * changes whenever the workflow's code schedules one more thing.
 */
export function stepsPickedUp(pending: readonly PendingActivityFact[], stage: string | undefined): boolean {
  const steps = new Set<string>(STEP_NAMES);
  return (
    pending.some((activity) => steps.has(activity.activityType) && (activity.started || activity.attempt > 1)) ||
    (stage !== undefined && PAST_THE_PROBE.has(stage))
  );
}
