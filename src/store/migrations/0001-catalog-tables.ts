import type { Kysely } from 'kysely';

/**
 * The catalog's two tables. Down drops them, and with them every video record and run history: rolling this one
 * back is for an empty or disposable catalog only (docs/operations.md).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('videos')
    .addColumn('id', 'varchar(128)', (column) => column.primaryKey())
    .addColumn('title', 'text')
    .addColumn('source_path', 'text', (column) => column.notNull())
    .addColumn('size_bytes', 'bigint', (column) => column.notNull())
    .addColumn('info', 'text')
    .addColumn('current_run_id', 'varchar(64)')
    .addColumn('created_at', 'varchar(32)', (column) => column.notNull())
    .addColumn('updated_at', 'varchar(32)', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('processing_tasks')
    .addColumn('run_id', 'varchar(64)', (column) => column.primaryKey())
    // No foreign key: a run's history outlives its video's record, and a run may start for a video the catalog
    // learns of later (a file placed by hand).
    .addColumn('video_id', 'varchar(128)', (column) => column.notNull())
    .addColumn('workflow_id', 'varchar(128)', (column) => column.notNull())
    .addColumn('status', 'varchar(16)', (column) => column.notNull())
    .addColumn('progress', 'real', (column) => column.notNull().defaultTo(0))
    .addColumn('steps', 'text', (column) => column.notNull())
    .addColumn('snapshot', 'text')
    .addColumn('error', 'text')
    .addColumn('created_at', 'varchar(32)', (column) => column.notNull())
    .addColumn('started_at', 'varchar(32)')
    .addColumn('finished_at', 'varchar(32)')
    .addColumn('updated_at', 'varchar(32)', (column) => column.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('processing_tasks').execute();
  await db.schema.dropTable('videos').execute();
}
