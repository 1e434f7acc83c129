import type { Kysely } from 'kysely';

/**
 * Batch reprocessing: one row per batch (what it was asked, its counts as last recorded, how it ended) and one per
 * video it finished with (its outcome and error code), so a batch's outcome outlives Temporal's retention. Down
 * drops both tables and every batch record; no video or run row is touched.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('batches')
    .addColumn('id', 'varchar(64)', (column) => column.primaryKey())
    .addColumn('workflow_id', 'varchar(128)', (column) => column.notNull())
    .addColumn('status', 'varchar(16)', (column) => column.notNull())
    .addColumn('request', 'text', (column) => column.notNull())
    .addColumn('counts', 'text', (column) => column.notNull())
    .addColumn('created_at', 'varchar(32)', (column) => column.notNull())
    .addColumn('updated_at', 'varchar(32)', (column) => column.notNull())
    .addColumn('finished_at', 'varchar(32)')
    .execute();
  await db.schema.createIndex('batches_created_at_id').on('batches').columns(['created_at', 'id']).execute();

  await db.schema
    .createTable('batch_items')
    .addColumn('batch_id', 'varchar(64)', (column) => column.notNull())
    .addColumn('video_id', 'varchar(128)', (column) => column.notNull())
    .addColumn('outcome', 'varchar(16)', (column) => column.notNull())
    .addColumn('run_id', 'varchar(64)')
    .addColumn('error_code', 'varchar(64)')
    .addColumn('error', 'text')
    .addColumn('finished_at', 'varchar(32)', (column) => column.notNull())
    .addPrimaryKeyConstraint('batch_items_pk', ['batch_id', 'video_id'])
    .execute();
  await db.schema
    .createIndex('batch_items_outcome')
    .on('batch_items')
    .columns(['batch_id', 'outcome', 'video_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('batch_items').execute();
  await db.schema.dropTable('batches').execute();
}
