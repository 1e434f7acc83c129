import { BatchPresenter } from '../../src/api/batches';
import type { BatchDoor, BatchSighting } from '../../src/api/orchestrator/batches';
import type { BatchRecords, BatchRow } from '../../src/store';

/** A catalog of one batch row, in memory: findBatch, updateBatch (open rows only, as the store does), listItems. */
function recordsOf(row: BatchRow) {
  const updates: { status: string; finishedAt: string | null }[] = [];
  const records = {
    findBatch: (id: string) => Promise.resolve(id === row.id ? { ...row } : undefined),
    updateBatch: (id: string, update: { status: string; counts: unknown; finishedAt: string | null }) => {
      if (id === row.id && row.finished_at === null) {
        updates.push({ status: update.status, finishedAt: update.finishedAt });
        Object.assign(row, {
          status: update.status,
          counts: JSON.stringify(update.counts),
          finished_at: update.finishedAt,
        });
      }
      return Promise.resolve();
    },
    listItems: () => Promise.resolve({ items: [], next: null }),
  } as unknown as BatchRecords;
  return { records, updates };
}

function openRow(createdAgoMs: number): BatchRow {
  const created = new Date(Date.now() - createdAgoMs).toISOString();
  return {
    id: 'nightly',
    workflow_id: 'batch:nightly',
    status: 'running',
    request: JSON.stringify({ concurrency: 2, total: 4, selection: {} }),
    counts: JSON.stringify({ selected: 4, completed: 1, running: 2, pending: 1, percent: 30 }),
    created_at: created,
    updated_at: created,
    finished_at: null,
  };
}

const doorSeeing = (sighting: BatchSighting | Error) =>
  ({
    look: () => (sighting instanceof Error ? Promise.reject(sighting) : Promise.resolve(sighting)),
  }) as unknown as BatchDoor;

describe('BatchPresenter: a record whose workflow ended without recording it', () => {
  it('is closed failed when its workflow failed or was terminated, with nothing left running', async () => {
    for (const how of ['FAILED', 'TERMINATED', 'TIMED_OUT'] as const) {
      const { records, updates } = recordsOf(openRow(1_000));
      const shown = await new BatchPresenter(() => records, doorSeeing({ kind: 'closed', how })).present(
        'nightly',
        null,
      );
      expect(shown).toMatchObject({ status: 'failed', stale: false, counts: { completed: 1, running: 0 } });
      expect(shown.finished_at).not.toBeNull();
      expect(updates).toHaveLength(1);
    }
  });

  it('is closed cancelled when its workflow was cancelled in Temporal', async () => {
    const { records } = recordsOf(openRow(1_000));
    const shown = await new BatchPresenter(() => records, doorSeeing({ kind: 'closed', how: 'CANCELLED' })).present(
      'nightly',
      null,
    );
    expect(shown.status).toBe('cancelled');
  });

  it('is closed failed a minute after its insert when no workflow was ever started, and not before', async () => {
    const young = recordsOf(openRow(5_000));
    const early = await new BatchPresenter(() => young.records, doorSeeing({ kind: 'absent' })).present(
      'nightly',
      null,
    );
    expect(early).toMatchObject({ status: 'running', stale: true });
    expect(young.updates).toEqual([]);

    const old = recordsOf(openRow(120_000));
    const late = await new BatchPresenter(() => old.records, doorSeeing({ kind: 'absent' })).present('nightly', null);
    expect(late).toMatchObject({ status: 'failed', stale: false });
  });

  it('keeps the record the workflow wrote itself between the first read and the look at it', async () => {
    const row = openRow(1_000);
    const { records, updates } = recordsOf(row);
    const door = {
      look: () => {
        // The workflow records its end, then closes: both after the presenter's first read.
        Object.assign(row, { status: 'completed', finished_at: new Date().toISOString() });
        return Promise.resolve({ kind: 'closed', how: 'COMPLETED' });
      },
    } as unknown as BatchDoor;
    const shown = await new BatchPresenter(() => records, door).present('nightly', null);
    expect(shown).toMatchObject({ status: 'completed', stale: false, progress: 100 });
    expect(updates).toEqual([]);
  });

  it('stays as recorded (stale) while Temporal cannot be asked: nothing is closed on a guess', async () => {
    const { records, updates } = recordsOf(openRow(600_000));
    const shown = await new BatchPresenter(() => records, doorSeeing(new Error('unreachable'))).present(
      'nightly',
      null,
    );
    expect(shown).toMatchObject({ status: 'running', stale: true, progress: 30 });
    expect(updates).toEqual([]);
  });
});
