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

/** A batch reprocess of part of the catalog (see src/store/batches.ts). */
export interface BatchesTable {
  id: string;
  workflow_id: string;
  /** `running`, `paused`, `cancelling`, `completed`, `cancelled`, or `failed` (closed by the API: see src/api/batches.ts). */
  status: string;
  /** What was asked (JSON): the selection, steps, renditions, concurrency, what to do with an open run. */
  request: string;
  /** The counts as last recorded (JSON). */
  counts: string;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

/** A video a batch is done with. */
export interface BatchItemsTable {
  batch_id: string;
  video_id: string;
  /** `completed`, `failed`, `skipped` or `cancelled`. */
  outcome: string;
  run_id: string | null;
  /** The run's failure as a code (e.g. InvalidMedia), and its message. */
  error_code: string | null;
  error: string | null;
  finished_at: string;
}

export interface Database {
  videos: VideosTable;
  processing_tasks: ProcessingTasksTable;
  batches: BatchesTable;
  batch_items: BatchItemsTable;
}

export type VideoRow = Selectable<VideosTable>;
export type NewVideoRow = Insertable<VideosTable>;
export type TaskRow = Selectable<ProcessingTasksTable>;
export type BatchRow = Selectable<BatchesTable>;
export type BatchItemRow = Selectable<BatchItemsTable>;
