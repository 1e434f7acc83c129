import type { BatchAccepted, BatchPage, BatchResponse } from '../../../src/api/models';
import { api, ApiProblem, postJson } from './api';
import { dataTable, fill, h } from './dom';
import { formatWhen } from './format';
import { ProgressBar } from './progress-bar';
import { statusBadge } from './run-view';

const LIVE_MS = 3_000;

type Batch = Omit<BatchResponse, 'failures'>;
type Command = 'pause' | 'resume' | 'cancel';

/** Which videos the form's choices select, as POST /api/v1/batches takes them. */
const SELECTIONS: Record<string, { label: string; select: Record<string, true> }> = {
  all: { label: 'Every video', select: { all: true } },
  never_completed: { label: 'Videos never processed to the end', select: { never_completed: true } },
  last_run_failed: { label: 'Videos whose last run failed', select: { last_run_failed: true } },
};

/**
 * The catalog's batches: a form that starts one over the catalog (every video, those never completed, or those whose
 * last run failed, so many at a time), and the batches newest first with status, progress, counts, and pause,
 * resume and cancel while they run. Read again every 3 s while one is open.
 */
export function batchesCard(): { element: HTMLElement; stop: () => void } {
  const rows = h('tbody');
  const which = h(
    'select',
    { id: 'batch-select', class: 'select' },
    Object.entries(SELECTIONS).map(([value, { label }]) => h('option', { value }, label)),
  );
  const concurrency = h('input', {
    id: 'batch-concurrency',
    type: 'number',
    class: 'input',
    min: 1,
    max: 1000,
    value: 2,
    inputmode: 'numeric',
  });
  const startButton = h('button', { type: 'submit', class: 'button primary' }, 'Start batch');
  const state = h('p', { class: 'upload-state', role: 'status' });
  const problem = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'batch-error' });
  const form = h(
    'form',
    { class: 'upload-fields', 'aria-label': 'Reprocess the catalog' },
    h('div', { class: 'field' }, h('label', { for: 'batch-select' }, 'Reprocess'), which),
    h('div', { class: 'field narrow' }, h('label', { for: 'batch-concurrency' }, 'Runs at once'), concurrency),
    startButton,
  );
  const table = dataTable('batches', ['Batch', 'Status', 'Progress', 'Done', 'Failed', 'Started', 'Actions'], rows);
  const element = h(
    'section',
    { class: 'card', 'aria-labelledby': 'batches-title', 'data-testid': 'batches' },
    h('h2', { id: 'batches-title' }, 'Batches'),
    form,
    state,
    problem,
    table,
  );
  let timer: number | undefined;
  let stopped = false;

  const load = async () => {
    window.clearTimeout(timer);
    const page = await api<BatchPage>('/api/v1/batches?limit=10').catch(() => null);
    if (stopped || !page) return;
    table.hidden = page.items.length === 0;
    fill(
      rows,
      page.items.map((batch) => batchRow(batch, command)),
    );
    if (page.items.some((batch) => !batch.finished_at)) timer = window.setTimeout(() => void load(), LIVE_MS);
  };

  const command = async (batch: Batch, name: Command) => {
    problem.textContent = '';
    try {
      await postJson<BatchResponse>(`/api/v1/batches/${encodeURIComponent(batch.batch_id)}/${name}`, {});
      state.textContent = `Batch ${batch.batch_id}: ${name === 'cancel' ? 'cancelling' : `${name}d`}; it takes effect within seconds.`;
    } catch (error) {
      problem.textContent = error instanceof ApiProblem ? error.message : String(error);
    }
    await load();
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    problem.textContent = '';
    state.textContent = '';
    startButton.disabled = true;
    const body = { select: SELECTIONS[which.value]!.select, concurrency: Number(concurrency.value) };
    void postJson<BatchAccepted>('/api/v1/batches', body)
      .then((accepted) => {
        state.textContent = accepted.message;
      })
      .catch((error: unknown) => {
        problem.textContent = error instanceof ApiProblem ? error.message : String(error);
      })
      .finally(() => {
        startButton.disabled = false;
        void load();
      });
  });

  void load();
  return {
    element,
    stop: () => {
      stopped = true;
      window.clearTimeout(timer);
    },
  };
}

function batchRow(batch: Batch, command: (batch: Batch, name: Command) => Promise<void>): HTMLTableRowElement {
  const bar = new ProgressBar(`Progress of batch ${batch.batch_id}`);
  bar.set(batch.progress, batch.status);
  const { counts } = batch;
  const button = (name: Command, label: string, danger = false) => {
    const element = h(
      'button',
      {
        type: 'button',
        class: `button small${danger ? ' danger' : ''}`,
        'aria-label': `${label} batch ${batch.batch_id}`,
      },
      label,
    );
    element.addEventListener('click', () => {
      element.disabled = true;
      void command(batch, name);
    });
    return element;
  };
  // Steered only while it runs: an ended batch (its record maybe a moment behind) answers BATCH_NOT_RUNNING.
  const open = batch.finished_at === null && !['completed', 'cancelled', 'failed'].includes(batch.status);
  return h(
    'tr',
    { 'data-batch-id': batch.batch_id },
    h('td', {}, batch.batch_id),
    h('td', {}, statusBadge(batch.status)),
    h('td', {}, bar.element),
    h('td', { class: 'num' }, `${counts.completed + counts.skipped} / ${counts.total}`),
    h('td', { class: 'num' }, String(counts.failed)),
    h('td', {}, formatWhen(batch.created_at)),
    h(
      'td',
      {},
      h(
        'div',
        { class: 'actions' },
        open && batch.status === 'running' ? button('pause', 'Pause') : null,
        open && batch.status === 'paused' ? button('resume', 'Resume') : null,
        open && batch.status !== 'cancelling' ? button('cancel', 'Cancel', true) : null,
      ),
    ),
  );
}
