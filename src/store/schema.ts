import type { Insertable, Selectable } from 'kysely';

/**
 * The catalog's tables (DESIGN §6). Columns are portable between SQLite and PostgreSQL: timestamps are ISO-8601
 * UTC text (they sort as text), and JSON documents are text holding JSON.
 */
export interface VideosTable {
  id: string;
  title: string | null;
  /** Relative to DATA_DIR, e.g. `media/demo/source.mp4`. */
  source_path: string;
  size_bytes: number;
  /** The probe's VideoInfo as JSON; null until the video has been probed. */
  info: string | null;
  current_run_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface ProcessingTasksTable {
  run_id: string;
  video_id: string;
  workflow_id: string;
  status: string;
  /** 0–100, the last reported overall percentage. */
  progress: number;
  /** JSON array of step names. */
  steps: string;
  /** The last TaskProgressResponse-shaped state (JSON), kept so a stale answer can show it. */
  snapshot: string | null;
  error: string | null;
  /** How the run's webhook delivery ended (JSON), once it has; null without a callback. */
  notify: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
}

export interface Database {
  videos: VideosTable;
  processing_tasks: ProcessingTasksTable;
}

export type VideoRow = Selectable<VideosTable>;
export type NewVideoRow = Insertable<VideosTable>;
export type TaskRow = Selectable<ProcessingTasksTable>;
