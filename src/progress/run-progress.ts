import { rollUpProgress } from './rollup';
import type { PartReport, PartState, ProgressState, RunPhase, StepState, SubtaskProgressReport } from './state';
import { DEFAULT_STEP_WEIGHTS, STEP_NAMES, type StepName } from './steps';

const FINAL_STEP_STATUSES = new Set(['completed', 'skipped', 'failed', 'cancelled']);

/**
 * The progress of one run, kept by the workflow. Pure and deterministic: every method takes the time it happens at
 * (workflow time inside a workflow), and the rules that make progress trustworthy live here:
 * - a step's fraction and so the overall percentage never go down;
 * - a report from an older attempt, or one that moves nothing, is ignored;
 * - a new attempt shows `retrying` and holds the fraction until it passes what the old attempt reached.
 */
export class RunProgress {
  private readonly state: ProgressState;

  constructor(videoId: string, runId: string, selected: readonly StepName[], at: string) {
    this.state = {
      videoId,
      runId,
      phase: 'running',
      seq: 0,
      steps: STEP_NAMES.map((name) => newStep(name, selected.includes(name))),
      overall: 0,
      startedAt: at,
      updatedAt: at,
      finishedAt: null,
      error: null,
      result: null,
    };
  }

  /** The run's end will be announced to `host` (a webhook delivery of its own, started as the run ends). */
  announceTo(host: string): void {
    this.state.callbackHost = host;
  }

  /** A deep copy, safe to hand to a query while the workflow goes on changing its own state. */
  snapshot(): ProgressState {
    // JSON, not structuredClone: the state is plain data, and the workflow sandbox need not provide structuredClone.
    return JSON.parse(JSON.stringify(this.state)) as ProgressState;
  }

  get phase(): RunPhase {
    return this.state.phase;
  }

  /** A step's part (0..1) of the run's total weight, skipped steps left out. */
  shareOf(name: StepName): number {
    const total = this.state.steps.reduce((sum, step) => sum + (step.status === 'skipped' ? 0 : step.weight), 0);
    return total > 0 ? this.step(name).weight / total : 0;
  }

  get overall(): number {
    return this.state.overall;
  }

  isSelected(name: StepName): boolean {
    return this.step(name).status !== 'skipped';
  }

  start(name: StepName, at: string, attempt = 1): void {
    const step = this.step(name);
    if (FINAL_STEP_STATUSES.has(step.status)) return;
    step.status = attempt > 1 ? 'retrying' : 'running';
    step.attempt = Math.max(step.attempt, attempt);
    step.startedAt ??= at;
    this.touch(step, at);
  }

  /**
   * Makes a step one of parts done side by side (the transcode's chunks), weighted as given: from now on its parts
   * report, and its fraction is theirs, summed by weight.
   */
  divide(name: StepName, weights: readonly number[], at: string): void {
    const step = this.step(name);
    step.parts = weights.map((weight) => ({ weight: Math.max(0, weight), fraction: 0, attempt: 0, status: 'pending' }));
    this.touch(step, at);
  }

  /** One part of a divided step is done; the step itself completes through complete(). */
  completePart(name: StepName, index: number, at: string): void {
    const step = this.step(name);
    const part = step.parts?.[index];
    if (part === undefined || FINAL_STEP_STATUSES.has(step.status)) return;
    part.status = 'completed';
    part.fraction = 1;
    this.recountParts(step);
    this.touch(step, at);
  }

  /** Applies an activity's report; returns whether it changed anything. */
  report(report: SubtaskProgressReport): boolean {
    if (report.parts !== undefined) {
      // Every part applied, each by its own rules: `some` would stop at the first that changed something.
      return report.parts.map((part) => this.reportPart(report, part)).includes(true);
    }
    const step = this.step(report.step);
    if (FINAL_STEP_STATUSES.has(step.status) || report.attempt < step.attempt) return false;
    const advanced = advance(step, report.attempt, clampFraction(report.fraction));
    return this.noted(step, report, advanced);
  }

  /** Sets a step's weight, e.g. once the probe has told us the video's duration and size. */
  reweigh(weights: Partial<Record<StepName, number>>, at: string): void {
    for (const [name, weight] of Object.entries(weights) as [StepName, number][]) {
      this.step(name).weight = Math.max(0, weight);
    }
    this.bump(at);
  }

  skip(name: StepName, at: string, reason: string): void {
    const step = this.step(name);
    step.status = 'skipped';
    step.finishedAt = at;
    step.message = reason;
    this.touch(step, at);
  }

  complete(name: StepName, at: string, message?: string): void {
    const step = this.step(name);
    step.status = 'completed';
    step.fraction = 1;
    step.finishedAt = at;
    if (message !== undefined) step.message = message;
    this.touch(step, at);
  }

  fail(name: StepName, at: string, error: string): void {
    const step = this.step(name);
    stopParts(step);
    step.status = 'failed';
    step.finishedAt = at;
    step.error = error;
    this.touch(step, at);
  }

  /** Marks every step that has not finished as cancelled (used when the run is cancelled or a sibling failed). */
  cancelUnfinished(at: string): void {
    for (const step of this.state.steps) {
      if (FINAL_STEP_STATUSES.has(step.status)) continue;
      stopParts(step);
      step.status = 'cancelled';
      step.finishedAt = at;
      this.touch(step, at);
    }
  }

  finish(phase: Exclude<RunPhase, 'running'>, at: string, outcome: { result?: unknown; error?: string } = {}): void {
    this.state.phase = phase;
    this.state.finishedAt = at;
    this.state.result = outcome.result ?? null;
    this.state.error = outcome.error ?? null;
    this.bump(at);
  }

  /** A part's report: the same rules as a step's (never down, older attempts ignored), then the step recounted. */
  private reportPart(report: SubtaskProgressReport, { part: index, attempt, fraction }: PartReport): boolean {
    const step = this.step(report.step);
    const part = step.parts?.[index];
    if (part === undefined || FINAL_STEP_STATUSES.has(step.status) || part.status === 'completed') return false;
    if (attempt < part.attempt) return false;
    const advanced = advance(part, attempt, clampFraction(fraction));
    if (advanced) this.recountParts(step);
    return this.noted(step, report, advanced);
  }

  /** The rest of a report, once its step or part has moved (or not): its message, and the step's times. */
  private noted(step: StepState, report: SubtaskProgressReport, advanced: boolean): boolean {
    const newMessage = report.message !== undefined && report.message !== step.message;
    if (!advanced && !newMessage) return false;
    if (report.message !== undefined) step.message = report.message;
    step.startedAt ??= report.at;
    this.touch(step, report.at);
    return true;
  }

  /** A divided step's fraction, attempt and status from its parts': the fraction held at its highest. */
  private recountParts(step: StepState): void {
    const parts = step.parts ?? [];
    const total = parts.reduce((sum, part) => sum + part.weight, 0);
    const done = total > 0 ? parts.reduce((sum, part) => sum + part.weight * part.fraction, 0) / total : 0;
    step.fraction = Math.max(step.fraction, Math.min(1, done));
    step.attempt = Math.max(step.attempt, ...parts.map((part) => part.attempt));
    if (step.status === 'pending' || step.status === 'running' || step.status === 'retrying') {
      step.status = parts.some((part) => part.status === 'retrying') ? 'retrying' : 'running';
    }
  }

  private step(name: StepName): StepState {
    const step = this.state.steps.find((candidate) => candidate.name === name);
    if (step === undefined) throw new Error(`Unknown step: ${name}`);
    return step;
  }

  private touch(step: StepState, at: string): void {
    step.updatedAt = at;
    this.bump(at);
  }

  private bump(at: string): void {
    this.state.overall = Math.max(this.state.overall, rollUpProgress(this.state.steps, this.state.phase));
    this.state.seq += 1;
    this.state.updatedAt = at;
  }
}

function newStep(name: StepName, selected: boolean): StepState {
  return {
    name,
    status: selected ? 'pending' : 'skipped',
    fraction: 0,
    attempt: 0,
    weight: DEFAULT_STEP_WEIGHTS[name],
    startedAt: null,
    updatedAt: null,
    finishedAt: null,
    message: selected ? null : 'not requested',
    error: null,
  };
}

/**
 * Moves a step, or one of its parts, on by a report from `attempt` (never an older one) at `fraction`: a newer
 * attempt shows `retrying` from the second on and holds the fraction until it passes it; the fraction never goes
 * down. Returns whether anything changed.
 */
function advance(target: StepState | PartState, attempt: number, fraction: number): boolean {
  const newAttempt = attempt > target.attempt;
  const moved = fraction > target.fraction;
  if (!newAttempt && !moved && target.status !== 'pending') return false;
  if (newAttempt) {
    target.attempt = attempt;
    target.status = attempt > 1 ? 'retrying' : 'running';
  }
  if (moved) {
    target.fraction = fraction;
    target.status = 'running';
  } else if (target.status === 'pending') {
    target.status = 'running';
  }
  return true;
}

/** The parts of a step that ends unfinished stop with it: none is left showing as running. */
function stopParts(step: StepState): void {
  for (const part of step.parts ?? []) if (part.status !== 'completed') part.status = 'cancelled';
}

function clampFraction(value: number): number {
  return Number.isFinite(value) ? Math.min(Math.max(value, 0), 1) : 0;
}
