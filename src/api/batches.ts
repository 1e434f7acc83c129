import { randomBytes } from 'node:crypto';
import { etaSeconds } from '../progress';
import type { BatchRecords, BatchRow, VideoSelection } from '../store';
import type { BatchView } from '../workflows/definitions';
import { ApiError } from './errors';
import type { BatchRequest, BatchResponse } from './models';
import type { BatchDoor, BatchSighting } from './orchestrator/batches';
import { fromCatalog } from './videos';

/**
 * How long a batch's record may say `running` with no workflow behind it before it is closed as `failed`: long
 * enough for the start that follows the record's insert (its deadline is a few seconds) to land.
 */
const START_GRACE_MS = 60_000;

/** A closed workflow's status, as the batch's record is closed when the workflow did not record its end itself. */
const CLOSED_AS: Partial<Record<Extract<BatchSighting, { kind: 'closed' }>['how'], BatchResponse['status']>> = {
  CANCELLED: 'cancelled',
};

export type BatchSummary = Omit<BatchResponse, 'failures'>;

/** What a batch's record keeps of its request, beside the request itself. */
interface RecordedRequest {
  concurrency: number;
  total: number;
  selection: VideoSelection;
}

/** The selection as the catalog takes it: `createdBefore` and `asOf` fixed at the batch's start at the latest. */
export function selectionOf(select: BatchRequest['select'], startedAt: string): VideoSelection {
  // Compared as the catalog's own instants are written (milliseconds, Z): `…:00Z` would sort after `…:00.000Z`.
  const asked = select.created_before ? new Date(select.created_before).toISOString() : null;
  const before = asked && asked < startedAt ? asked : startedAt;
  return {
    createdBefore: before,
    asOf: startedAt,
    ...(select.ids ? { ids: select.ids } : {}),
    ...(select.never_completed ? { neverCompleted: true } : {}),
    ...(select.last_run_failed ? { lastRunFailed: true } : {}),
  };
}

export function newBatchId(createdAt: string): string {
  return `b${createdAt.replace(/\D/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;
}

/**
 * A batch as the API shows it: its workflow's own view while that runs, else the catalog's record. A record left
 * open by a workflow that ended without recording its end (failed, terminated, or never started) is closed here,
 * so no batch says `running` for ever.
 */
export class BatchPresenter {
  constructor(
    private readonly records: () => BatchRecords,
    private readonly door: BatchDoor,
  ) {}

  async present(batchId: string, failuresAfter: string | null): Promise<BatchResponse> {
    const row = await fromCatalog(this.records().findBatch(batchId));
    if (!row) throw new ApiError('BATCH_NOT_FOUND', undefined, { batch_id: batchId });
    const summary = await this.summarize(row);
    const failures = await fromCatalog(
      this.records().listItems(batchId, 'failed', { limit: 20, afterVideoId: failuresAfter }),
    );
    return {
      ...summary,
      failures: {
        items: failures.items.map((item) => ({
          video_id: item.video_id,
          run_id: item.run_id,
          error_code: item.error_code,
          error: item.error,
        })),
        next: failures.next,
      },
    };
  }

  /** The batch without its failures: live while its workflow runs, else as recorded. */
  summarize(row: BatchRow): Promise<BatchSummary> {
    return row.finished_at === null ? this.openSummary(row) : Promise.resolve(presentRecorded(row));
  }

  private async openSummary(row: BatchRow): Promise<BatchSummary> {
    const sighting = await this.door.look(row.id).catch(() => null);
    if (sighting?.kind === 'open') return presentLive(row, sighting.view);
    const abandoned =
      sighting?.kind === 'closed' ||
      (sighting?.kind === 'absent' && Date.now() - Date.parse(row.created_at) > START_GRACE_MS);
    if (!abandoned) return presentRecorded(row);
    // The workflow records its end before it closes: read again, in case it did so since the first read.
    const again = await fromCatalog(this.records().findBatch(row.id));
    if (!again || again.finished_at !== null) return presentRecorded(again ?? row);
    const status = (sighting.kind === 'closed' && CLOSED_AS[sighting.how]) || 'failed';
    const counts = { ...(JSON.parse(again.counts) as object), running: 0 };
    await fromCatalog(this.records().updateBatch(row.id, { status, counts, finishedAt: new Date().toISOString() }));
    const closed = await fromCatalog(this.records().findBatch(row.id));
    return presentRecorded(closed ?? again);
  }
}

function requestOf(row: BatchRow): RecordedRequest {
  return JSON.parse(row.request) as RecordedRequest;
}

function presentLive(row: BatchRow, live: BatchView): BatchSummary {
  return {
    batch_id: row.id,
    workflow_id: row.workflow_id,
    status: live.status,
    counts: { total: requestOf(row).total, ...live.counts },
    progress: live.percent,
    eta_seconds: etaSeconds(live.percent / 100, live.startedAt, Date.now()),
    concurrency: requestOf(row).concurrency,
    peak_open: live.peakOpen,
    created_at: row.created_at,
    finished_at: null,
    stale: false,
  };
}

const RECORDED_STATUSES: readonly string[] = ['running', 'paused', 'cancelling', 'completed', 'cancelled', 'failed'];

/** What the catalog last recorded; stale while the batch is open (its workflow could not be asked). */
export function presentRecorded(row: BatchRow): BatchSummary {
  const counts = JSON.parse(row.counts) as Partial<BatchResponse['counts']> & { percent?: number; peakOpen?: number };
  const count = (key: keyof BatchResponse['counts']) => counts[key] ?? 0;
  const status = RECORDED_STATUSES.includes(row.status) ? (row.status as BatchResponse['status']) : 'running';
  return {
    batch_id: row.id,
    workflow_id: row.workflow_id,
    status,
    counts: {
      total: requestOf(row).total,
      selected: count('selected'),
      completed: count('completed'),
      failed: count('failed'),
      skipped: count('skipped'),
      cancelled: count('cancelled'),
      running: count('running'),
      pending: count('pending'),
    },
    progress: status === 'completed' ? 100 : (counts.percent ?? 0),
    eta_seconds: null,
    concurrency: requestOf(row).concurrency,
    peak_open: counts.peakOpen ?? 0,
    created_at: row.created_at,
    finished_at: row.finished_at,
    stale: row.finished_at === null,
  };
}
