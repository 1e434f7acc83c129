import type { Kysely } from 'kysely';

/**
 * The indexes the catalog's queries need, in the order they sort: videos newest first (`created_at`, `id`), a
 * video's runs newest first (`video_id`, `created_at`, `run_id`). Down drops the indexes only; every row stays.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('videos_created_at_id').on('videos').columns(['created_at', 'id']).execute();
  await db.schema
    .createIndex('processing_tasks_video_created_at')
    .on('processing_tasks')
    .columns(['video_id', 'created_at', 'run_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('processing_tasks_video_created_at').execute();
  await db.schema.dropIndex('videos_created_at_id').execute();
}
