import type { Kysely } from 'kysely';

/**
 * Where a run's webhook delivery ended (JSON: status, attempts, last HTTP status or error, delivered at), kept on
 * the run's row so the history shows it beyond Temporal's retention. Null for runs without a callback. Down drops
 * the column and what it held.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('processing_tasks').addColumn('notify', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('processing_tasks').dropColumn('notify').execute();
}
