import type { Kysely } from 'kysely';

/**
 * The indexes the catalog's queries need: videos newest first, a video's runs newest first, open runs by status.
 * Down drops the indexes only; every row stays.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('videos_created_at_id').on('videos').columns(['created_at', 'id']).execute();
  await db.schema
    .createIndex('processing_tasks_video_created_at')
    .on('processing_tasks')
    .columns(['video_id', 'created_at'])
    .execute();
  await db.schema.createIndex('processing_tasks_status').on('processing_tasks').column('status').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('processing_tasks_status').execute();
  await db.schema.dropIndex('processing_tasks_video_created_at').execute();
  await db.schema.dropIndex('videos_created_at_id').execute();
}
