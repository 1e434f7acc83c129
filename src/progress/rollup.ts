import type { ProgressState, StepState, RunPhase, TaskStatus } from './state';

/** Rounds a percentage to one decimal, the precision the API promises. */
export function toPercent(fraction: number): number {
  return Math.round(Math.min(Math.max(fraction, 0), 1) * 1000) / 10;
}

/**
 * Overall completion as a fraction: Σ wᵢ·pᵢ / Σ wᵢ over the steps that are not skipped. A run whose every step is
 * skipped or whose weights are all zero counts as done when it completed and as zero otherwise.
 */
export function rollUpProgress(steps: readonly StepState[], phase: RunPhase): number {
  if (phase === 'completed') return 1;
  let weighted = 0;
  let total = 0;
  for (const step of steps) {
    if (step.status === 'skipped') continue;
    total += step.weight;
    weighted += step.weight * step.fraction;
  }
  return total > 0 ? weighted / total : 0;
}

/** The step a client should see as "current": the running one with the most weight left, else the first pending one. */
export function currentStep(steps: readonly StepState[]): StepState | undefined {
  const active = steps.filter((step) => step.status === 'running' || step.status === 'retrying');
  if (active.length > 0) {
    return active.reduce((best, step) => (remainingWeight(step) > remainingWeight(best) ? step : best));
  }
  return steps.find((step) => step.status === 'pending');
}

function remainingWeight(step: StepState): number {
  return step.weight * (1 - step.fraction);
}

/** Temporal's own view of an execution, as `describe()` reports it. */
export type ExecutionStatusName =
  | 'RUNNING'
  | 'COMPLETED'
  | 'FAILED'
  | 'CANCELLED'
  | 'TERMINATED'
  | 'CONTINUED_AS_NEW'
  | 'TIMED_OUT'
  | 'PAUSED'
  | 'UNKNOWN'
  | 'UNSPECIFIED';

/**
 * Maps the workflow's own phase and Temporal's execution status to the task status clients see. Temporal wins when
 * it knows the run ended in a way the workflow code could not record (terminated, timed out).
 */
export function taskStatus(
  state: Pick<ProgressState, 'phase' | 'steps'> | null,
  execution?: ExecutionStatusName,
): TaskStatus {
  switch (execution) {
    case 'TERMINATED':
      return 'terminated';
    case 'TIMED_OUT':
      return 'timed_out';
    case 'CANCELLED':
      return 'cancelled';
    case 'FAILED':
      return 'failed';
    case 'COMPLETED':
    case 'CONTINUED_AS_NEW':
      return state?.phase === 'failed' ? 'failed' : 'completed';
    default:
      break;
  }
  if (state === null) return 'queued';
  if (state.phase !== 'running') return state.phase;
  const started = state.steps.some((step) => step.status !== 'pending' && step.status !== 'skipped');
  return started ? 'running' : 'queued';
}
