import { isFinalTaskStatus } from '../../progress';
import type { BatchResponse, TaskProgressResponse } from '../models';
import type { Followed } from './feed';

/** A video's latest run, as its GET answers; the stream ends after the run's terminal state. */
export function followVideoRuns(
  read: (videoId: string) => Promise<TaskProgressResponse>,
): Followed<TaskProgressResponse> {
  return {
    read,
    key: videoSnapshotKey,
    isFinal: (snapshot) => isFinalTaskStatus(snapshot.status),
    finalProblems: new Set(['TASK_NOT_FOUND', 'VIDEO_NOT_FOUND']),
  };
}

export const videoSnapshotKey = (s: TaskProgressResponse) =>
  `${s.run_id}|${s.seq}|${s.status}|${s.stale}|${s.progress}`;

/** Statuses after which a batch does nothing more. */
export const FINAL_BATCH_STATUSES: ReadonlySet<BatchResponse['status']> = new Set(['completed', 'cancelled', 'failed']);

/** A batch that has ended and whose end is recorded: nothing about it changes any more. */
export const isBatchOver = (batch: BatchResponse) =>
  FINAL_BATCH_STATUSES.has(batch.status) && batch.finished_at !== null;

/** A batch, as its GET answers (its ETA apart, which moves with the clock); the stream ends when the batch has. */
export function followBatches(read: (batchId: string) => Promise<BatchResponse>): Followed<BatchResponse> {
  return {
    read,
    key: (s) =>
      JSON.stringify([s.status, s.stale, s.progress, s.counts, s.peak_open, s.failures.items.length, s.finished_at]),
    // Ended once recorded so: the workflow says `completed` a moment before its record (with finished_at) lands.
    isFinal: (snapshot) => isBatchOver(snapshot),
    finalProblems: new Set(['BATCH_NOT_FOUND']),
  };
}
