import type { ExpressionBuilder, Kysely, SelectQueryBuilder } from 'kysely';
import { keysetSlice, page, type Cursor, type Page } from './paging';
import type { BatchItemRow, BatchRow, Database } from './schema';

/**
 * Which videos a batch reprocesses: every one of the catalog (no field set), or those matching every field set.
 * A batch fixes `createdBefore` and `asOf` at its start at the latest, so videos uploaded while it runs are not
 * swept in, and its own runs (or anyone's, ending meanwhile) do not move a video in or out of the filters.
 */
export interface VideoSelection {
  /** Only these videos (those the catalog has). */
  ids?: readonly string[];
  /** Only videos created before this instant (ISO-8601). */
  createdBefore?: string;
  /** Only videos no run of which had completed by `asOf`. */
  neverCompleted?: boolean;
  /** Only videos whose latest run by `asOf` had failed (failed, timed out or terminated) by then. */
  lastRunFailed?: boolean;
  /** The instant the run filters read the catalog as of (ISO-8601); now when absent. */
  asOf?: string;
}

/** A selected video, with the probe's info (JSON) a batch weighs its cost by. */
export interface SelectedVideo {
  id: string;
  createdAt: string;
  info: string | null;
}

/** Where a walk through a selection stands: after this video, in (created_at, id) order. */
export interface SelectionPosition {
  createdAt: string;
  id: string;
}

/** How a run a batch started ended, or why it started none. */
export type BatchOutcome = 'completed' | 'failed' | 'skipped' | 'cancelled';

export interface BatchItem {
  batchId: string;
  videoId: string;
  outcome: BatchOutcome;
  runId: string | null;
  errorCode: string | null;
  error: string | null;
  finishedAt: string;
}

export interface NewBatch {
  id: string;
  workflowId: string;
  request: unknown;
  counts: unknown;
  createdAt: string;
}

/** Thrown when a batch id is already in the catalog. */
export class BatchExistsError extends Error {
  override readonly name = 'BatchExistsError';
  constructor(readonly batchId: string) {
    super(`Batch ${batchId} already exists`);
  }
}

const FAILED_RUN_STATUSES = ['failed', 'timed_out', 'terminated'];

/** Batches and the videos they are done with; the same queries on SQLite and PostgreSQL. */
export class BatchRecords {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * A page of the selection, oldest first, after `after`: a walk from null to a null `next` meets every selected
   * video once, whatever is uploaded meanwhile (later videos sort after, and the selection's createdBefore keeps
   * them out).
   */
  async selectVideos(
    selection: VideoSelection,
    options: { limit: number; after: SelectionPosition | null },
  ): Promise<{ items: SelectedVideo[]; next: SelectionPosition | null }> {
    const { after } = options;
    const rows = await keysetSlice(
      this.selection(selection).select(['videos.id', 'videos.created_at', 'videos.info']),
      { createdAt: 'videos.created_at', key: 'videos.id' },
      { cursor: after && { createdAt: after.createdAt, key: after.id }, order: 'asc', limit: options.limit },
    ).execute();
    const items = rows
      .slice(0, options.limit)
      .map((row) => ({ id: row.id, createdAt: row.created_at, info: row.info }));
    const last = items.at(-1);
    return { items, next: rows.length > options.limit && last ? { createdAt: last.createdAt, id: last.id } : null };
  }

  async countSelection(selection: VideoSelection): Promise<number> {
    const row = await this.selection(selection)
      .select((eb) => eb.fn.countAll<string | number>().as('count'))
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async insertBatch(batch: NewBatch): Promise<void> {
    const inserted = await this.db
      .insertInto('batches')
      .values({
        id: batch.id,
        workflow_id: batch.workflowId,
        status: 'running',
        request: JSON.stringify(batch.request),
        counts: JSON.stringify(batch.counts),
        created_at: batch.createdAt,
        updated_at: batch.createdAt,
        finished_at: null,
      })
      .onConflict((conflict) => conflict.column('id').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) throw new BatchExistsError(batch.id);
  }

  /** The batch's status and counts; a finished batch is left as it ended. */
  async updateBatch(id: string, update: { status: string; counts: unknown; finishedAt: string | null }): Promise<void> {
    await this.db
      .updateTable('batches')
      .set({
        status: update.status,
        counts: JSON.stringify(update.counts),
        finished_at: update.finishedAt,
        updated_at: new Date().toISOString(),
      })
      .where('id', '=', id)
      .where('finished_at', 'is', null)
      .execute();
  }

  /** Records what became of one video; idempotent, so a retried activity writes it once. */
  async recordItem(item: BatchItem): Promise<void> {
    await this.db
      .insertInto('batch_items')
      .values({
        batch_id: item.batchId,
        video_id: item.videoId,
        outcome: item.outcome,
        run_id: item.runId,
        error_code: item.errorCode,
        error: item.error,
        finished_at: item.finishedAt,
      })
      .onConflict((conflict) => conflict.columns(['batch_id', 'video_id']).doNothing())
      .execute();
  }

  /** Forgets a batch whose workflow could not be started, so its id is free again. */
  async deleteBatch(id: string): Promise<void> {
    await this.db.deleteFrom('batch_items').where('batch_id', '=', id).execute();
    await this.db.deleteFrom('batches').where('id', '=', id).execute();
  }

  /**
   * The selection a batch was started with (kept in its request), so its walk never carries the ids around; null
   * when the catalog has no such batch, or one recorded without its selection.
   */
  async selectionOf(id: string): Promise<VideoSelection | null> {
    const row = await this.db.selectFrom('batches').select('request').where('id', '=', id).executeTakeFirst();
    return (row && (JSON.parse(row.request) as { selection?: VideoSelection }).selection) ?? null;
  }

  findBatch(id: string): Promise<BatchRow | undefined> {
    return this.db.selectFrom('batches').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Batches newest first. */
  async listBatches(options: { limit: number; cursor: Cursor | null }): Promise<Page<BatchRow>> {
    const rows = await keysetSlice(
      this.db.selectFrom('batches').selectAll(),
      { createdAt: 'created_at', key: 'id' },
      { cursor: options.cursor, order: 'desc', limit: options.limit },
    ).execute();
    return page(rows, options.limit, (row) => ({ createdAt: row.created_at, key: row.id }));
  }

  /** A batch's items with one outcome (its failures, say), by video id, after `afterVideoId`. */
  async listItems(
    batchId: string,
    outcome: BatchOutcome,
    options: { limit: number; afterVideoId: string | null },
  ): Promise<{ items: BatchItemRow[]; next: string | null }> {
    let query = this.db
      .selectFrom('batch_items')
      .selectAll()
      .where('batch_id', '=', batchId)
      .where('outcome', '=', outcome);
    if (options.afterVideoId !== null) query = query.where('video_id', '>', options.afterVideoId);
    const rows = await query
      .orderBy('video_id', 'asc')
      .limit(options.limit + 1)
      .execute();
    const items = rows.slice(0, options.limit);
    return { items, next: rows.length > options.limit ? (items.at(-1)?.video_id ?? null) : null };
  }

  /** The videos matching a selection, as a query to select from. */
  private selection(selection: VideoSelection): SelectQueryBuilder<Database, 'videos', object> {
    let query = this.db.selectFrom('videos');
    if (selection.ids !== undefined) {
      const ids = [...selection.ids];
      query = ids.length === 0 ? query.where((eb) => eb.val(1), '=', 0) : query.where('videos.id', 'in', ids);
    }
    if (selection.createdBefore !== undefined) query = query.where('videos.created_at', '<', selection.createdBefore);
    const asOf = selection.asOf ?? new Date().toISOString();
    if (selection.neverCompleted) {
      query = query.where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('processing_tasks')
              .select('processing_tasks.run_id')
              .whereRef('processing_tasks.video_id', '=', 'videos.id')
              .where('processing_tasks.status', '=', 'completed')
              .where('processing_tasks.finished_at', '<', asOf),
          ),
        ),
      );
    }
    if (selection.lastRunFailed) {
      query = query.where((eb) =>
        eb.exists(
          eb
            .selectFrom('processing_tasks as latest')
            .select('latest.run_id')
            .where('latest.run_id', '=', latestRunBy(eb, asOf))
            .where('latest.status', 'in', FAILED_RUN_STATUSES)
            .where('latest.finished_at', '<', asOf),
        ),
      );
    }
    return query;
  }
}

/** The run id of a video's latest run created before `asOf`, as a subquery of a query over videos. */
function latestRunBy(eb: ExpressionBuilder<Database, 'videos'>, asOf: string) {
  return eb
    .selectFrom('processing_tasks')
    .select('processing_tasks.run_id')
    .whereRef('processing_tasks.video_id', '=', 'videos.id')
    .where('processing_tasks.created_at', '<', asOf)
    .orderBy('processing_tasks.created_at', 'desc')
    .orderBy('processing_tasks.run_id', 'desc')
    .limit(1);
}
