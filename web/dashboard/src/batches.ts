import type { BatchPage } from '../../../src/api/models';
import { api } from './api';
import { dataTable, fill, h } from './dom';
import { formatWhen } from './format';
import { ProgressBar } from './progress-bar';
import { statusBadge } from './run-view';

const LIVE_MS = 3_000;

/**
 * The catalog's batches (POST /api/v1/batches starts one), newest first: status, a bar of their progress, their
 * counts. Read again every 3 s while one is open; hidden while there are none.
 */
export function batchesCard(): { element: HTMLElement; stop: () => void } {
  const rows = h('tbody');
  const element = h(
    'section',
    { class: 'card', 'aria-labelledby': 'batches-title', hidden: true, 'data-testid': 'batches' },
    h('h2', { id: 'batches-title' }, 'Batches'),
    dataTable('batches', ['Batch', 'Status', 'Progress', 'Done', 'Failed', 'Started'], rows),
  );
  let timer: number | undefined;
  let stopped = false;
  const load = async () => {
    const page = await api<BatchPage>('/api/v1/batches?limit=10').catch(() => null);
    if (stopped || !page) return;
    element.hidden = page.items.length === 0;
    fill(
      rows,
      page.items.map((batch) => {
        const bar = new ProgressBar(`Progress of batch ${batch.batch_id}`);
        bar.set(batch.progress, batch.status);
        const { counts } = batch;
        return h(
          'tr',
          { 'data-batch-id': batch.batch_id },
          h('td', {}, batch.batch_id),
          h('td', {}, statusBadge(batch.status)),
          h('td', {}, bar.element),
          h('td', { class: 'num' }, `${counts.completed + counts.skipped} / ${counts.total}`),
          h('td', { class: 'num' }, String(counts.failed)),
          h('td', {}, formatWhen(batch.created_at)),
        );
      }),
    );
    if (page.items.some((batch) => !batch.finished_at)) timer = window.setTimeout(() => void load(), LIVE_MS);
  };
  void load();
  return {
    element,
    stop: () => {
      stopped = true;
      window.clearTimeout(timer);
    },
  };
}
