import type { Kysely } from 'kysely';
import { BatchRecords } from './batches';
import type { Database, NewVideoRow, TaskRow, VideoRow } from './schema';
import { keysetSlice, page, type Cursor, type Page } from './paging';

/** Thrown when a video id is already in the catalog. */
export class VideoExistsError extends Error {
  override readonly name = 'VideoExistsError';
  constructor(readonly videoId: string) {
    super(`Video ${videoId} already exists`);
  }
}

export interface RunStart {
  runId: string;
  videoId: string;
  workflowId: string;
  steps: readonly string[];
  startedAt: string;
  snapshot: unknown;
}

export interface RunOutcome {
  runId: string;
  videoId: string;
  workflowId: string;
  steps: readonly string[];
  status: string;
  progress: number;
  snapshot: unknown;
  error: string | null;
  startedAt: string;
  finishedAt: string;
  /** Set when the run published: it becomes the video's current run, and its probe info the video's. */
  published?: { info: unknown };
}

/** The catalog of videos and of their runs; the same queries on SQLite and PostgreSQL. */
export class Catalog {
  constructor(private readonly db: Kysely<Database>) {}

  findVideo(id: string): Promise<VideoRow | undefined> {
    return this.db.selectFrom('videos').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async insertVideo(row: NewVideoRow): Promise<void> {
    const inserted = await this.db
      .insertInto('videos')
      .values(row)
      .onConflict((conflict) => conflict.column('id').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) throw new VideoExistsError(row.id);
  }

  async deleteVideo(id: string): Promise<void> {
    await this.db.deleteFrom('videos').where('id', '=', id).execute();
  }

  /** Videos newest first. */
  async listVideos(options: { limit: number; cursor?: Cursor | null }): Promise<Page<VideoRow>> {
    const rows = await keysetSlice(
      this.db.selectFrom('videos').selectAll(),
      { createdAt: 'created_at', key: 'id' },
      { cursor: options.cursor ?? null, order: 'desc', limit: options.limit },
    ).execute();
    return page(rows, options.limit, (row) => ({ createdAt: row.created_at, key: row.id }));
  }

  /** Records that a run started; idempotent, so a retried activity writes nothing twice. */
  async recordRunStarted(start: RunStart): Promise<void> {
    const now = new Date().toISOString();
    await this.db
      .insertInto('processing_tasks')
      .values({
        run_id: start.runId,
        video_id: start.videoId,
        workflow_id: start.workflowId,
        status: 'running',
        progress: 0,
        steps: JSON.stringify(start.steps),
        snapshot: JSON.stringify(start.snapshot),
        error: null,
        created_at: start.startedAt,
        started_at: start.startedAt,
        finished_at: null,
        updated_at: now,
      })
      .onConflict((conflict) => conflict.column('run_id').doNothing())
      .execute();
  }

  /** Records how a run ended (and, when it published, makes it the video's current run), in one transaction. */
  async recordRunFinished(outcome: RunOutcome): Promise<void> {
    const now = new Date().toISOString();
    const final = {
      status: outcome.status,
      progress: outcome.progress,
      snapshot: JSON.stringify(outcome.snapshot),
      error: outcome.error,
      finished_at: outcome.finishedAt,
      updated_at: now,
    };
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('processing_tasks')
        .values({
          run_id: outcome.runId,
          video_id: outcome.videoId,
          workflow_id: outcome.workflowId,
          steps: JSON.stringify(outcome.steps),
          created_at: outcome.startedAt,
          started_at: outcome.startedAt,
          ...final,
        })
        .onConflict((conflict) => conflict.column('run_id').doUpdateSet(final))
        .execute();
      if (outcome.published) {
        await trx
          .updateTable('videos')
          .set({ current_run_id: outcome.runId, info: JSON.stringify(outcome.published.info), updated_at: now })
          .where('id', '=', outcome.videoId)
          .execute();
      }
    });
  }

  /**
   * Keeps the last snapshot the API saw of an open run, for answers when the workflow cannot be asked. Only while the
   * row is open, only for an open status (the workflow writes the final record), and never going backwards (several
   * API instances may save out of order).
   */
  async saveSnapshot(runId: string, seen: { status: string; progress: number; snapshot: unknown }): Promise<void> {
    if (seen.status !== 'queued' && seen.status !== 'running') return;
    await this.db
      .updateTable('processing_tasks')
      .set({
        snapshot: JSON.stringify(seen.snapshot),
        progress: seen.progress,
        status: seen.status,
        updated_at: new Date().toISOString(),
      })
      .where('run_id', '=', runId)
      .where('finished_at', 'is', null)
      .where('progress', '<=', seen.progress)
      .execute();
  }

  /** Records how a run's webhook delivery ended; the run's row may have been written before or not at all. */
  async recordDelivery(runId: string, delivery: unknown): Promise<void> {
    await this.db
      .updateTable('processing_tasks')
      .set({ notify: JSON.stringify(delivery), updated_at: new Date().toISOString() })
      .where('run_id', '=', runId)
      .execute();
  }

  /**
   * Closes the record of a run that ended without recording it (terminated or timed out from outside the workflow),
   * as Temporal reports it; a row already final is left alone.
   */
  async closeRun(runId: string, closed: { status: string; finishedAt: string }): Promise<void> {
    await this.db
      .updateTable('processing_tasks')
      .set({ status: closed.status, finished_at: closed.finishedAt, updated_at: new Date().toISOString() })
      .where('run_id', '=', runId)
      .where('finished_at', 'is', null)
      .execute();
  }

  findRun(runId: string): Promise<TaskRow | undefined> {
    return this.db.selectFrom('processing_tasks').selectAll().where('run_id', '=', runId).executeTakeFirst();
  }

  latestRun(videoId: string): Promise<TaskRow | undefined> {
    return this.db
      .selectFrom('processing_tasks')
      .selectAll()
      .where('video_id', '=', videoId)
      .orderBy('created_at', 'desc')
      .orderBy('run_id', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /** A video's runs newest first. */
  async listRuns(videoId: string, options: { limit: number; cursor?: Cursor | null }): Promise<Page<TaskRow>> {
    const rows = await keysetSlice(
      this.db.selectFrom('processing_tasks').selectAll().where('video_id', '=', videoId),
      { createdAt: 'created_at', key: 'run_id' },
      { cursor: options.cursor ?? null, order: 'desc', limit: options.limit },
    ).execute();
    return page(rows, options.limit, (row) => ({ createdAt: row.created_at, key: row.run_id }));
  }

  /** The batches kept in the same database. */
  batches(): BatchRecords {
    return new BatchRecords(this.db);
  }

  /** Rejects unless the database answers. */
  async ping(): Promise<void> {
    await this.db.selectFrom('videos').select('id').limit(1).execute();
  }
}
