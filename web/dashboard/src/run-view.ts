import type { SubTaskProgress, TaskProgressResponse } from '../../../src/api/models';
import { fill, h } from './dom';
import { formatPercent, formatSpan } from './format';
import { ProgressBar } from './progress-bar';

const STATUS_TEXT: Record<string, string> = {
  queued: 'Queued',
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
  timed_out: 'Timed out',
  terminated: 'Terminated',
  pending: 'Pending',
  retrying: 'Retrying',
  skipped: 'Skipped',
  paused: 'Paused',
  cancelling: 'Cancelling',
};

export function statusBadge(status: string): HTMLSpanElement {
  return h('span', { class: `badge badge-${status}`, 'data-status': status }, STATUS_TEXT[status] ?? status);
}

interface StepRow {
  bar: ProgressBar;
  status: HTMLElement;
  figures: HTMLElement;
  notes: HTMLElement;
}

/**
 * One run's live picture: the overall bar and one bar per step, each with its status (the attempt when it is
 * retrying), percentage, ETA, message and error; a notice when the answer is stale. Rows persist between snapshots so
 * a bar is updated, not redrawn; a new run (another run_id) starts the picture afresh.
 */
export class RunView {
  readonly element: HTMLElement;
  private readonly header = h('div', { class: 'run-header' });
  private readonly overall = new ProgressBar('Overall progress');
  private readonly stale = h('p', { class: 'notice notice-warn', role: 'status', hidden: true });
  private readonly error = h('p', { class: 'run-error', role: 'alert', hidden: true });
  private readonly steps = h('ol', { class: 'steps' });
  private rows = new Map<string, StepRow>();
  private runId: string | null = null;

  constructor() {
    this.element = h(
      'div',
      { class: 'run', 'data-testid': 'run' },
      this.header,
      h('div', { class: 'overall' }, this.overall.element),
      this.stale,
      this.error,
      this.steps,
    );
  }

  get currentRunId(): string | null {
    return this.runId;
  }

  show(run: TaskProgressResponse): void {
    if (run.run_id !== this.runId) {
      this.runId = run.run_id;
      this.rows = new Map();
      this.overall.reset();
      fill(this.steps);
    }
    this.element.dataset['status'] = run.status;
    this.element.dataset['runId'] = run.run_id;
    fill(
      this.header,
      statusBadge(run.status),
      h('strong', { class: 'run-percent' }, formatPercent(run.progress)),
      run.current_step && !isFinal(run.status) ? h('span', {}, `now: ${run.current_step}`) : null,
      run.eta_seconds !== null && !isFinal(run.status) ? h('span', {}, `ETA ${formatSpan(run.eta_seconds)}`) : null,
      h('span', { class: 'muted run-id' }, `run ${run.run_id}`),
    );
    this.overall.set(run.progress, run.status);
    this.stale.hidden = !run.stale;
    this.stale.textContent = run.stale
      ? `This answer may be out of date: ${run.message ?? 'the workflow could not be asked'}.`
      : '';
    this.error.hidden = !run.error;
    this.error.textContent = run.error ? `Error: ${run.error}` : '';
    for (const step of run.subtasks) this.showStep(step);
  }

  private showStep(step: SubTaskProgress): void {
    let row = this.rows.get(step.name);
    if (!row) {
      row = {
        bar: new ProgressBar(`${step.name} progress`),
        status: h('span', { class: 'step-status' }),
        figures: h('span', { class: 'step-figures' }),
        notes: h('div', { class: 'step-notes' }),
      };
      this.rows.set(step.name, row);
      row.bar.element.dataset['step'] = step.name;
      this.steps.append(
        h(
          'li',
          { class: 'step', 'data-step': step.name },
          h('span', { class: 'step-name' }, step.name),
          row.status,
          row.bar.element,
          row.figures,
          row.notes,
        ),
      );
    }
    const retrying = step.status === 'retrying';
    fill(
      row.status,
      statusBadge(step.status),
      step.attempt > 1 || retrying ? h('span', { class: 'attempt' }, `attempt ${step.attempt}`) : null,
    );
    row.bar.set(step.progress, step.status);
    fill(
      row.figures,
      formatPercent(step.progress),
      step.eta_seconds !== null && step.status === 'running' ? ` · ETA ${formatSpan(step.eta_seconds)}` : '',
      step.parts ? ` · ${step.parts.completed}/${step.parts.total} chunks` : '',
    );
    fill(
      row.notes,
      step.message ? h('span', { class: 'muted' }, step.message) : null,
      step.error ? h('span', { class: 'step-error' }, step.error) : null,
    );
  }
}

export function isFinal(status: string): boolean {
  return !['queued', 'running'].includes(status);
}
