import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { VideoInfo } from '../media/probe';
import type { ProgressState, StepName, SubtaskProgressReport } from '../progress';

/** The workflow type name clients start; fixed by the design, so renaming the function must not change it. */
export const REPROCESS_WORKFLOW_TYPE = 'ReprocessVideo';

export interface ReprocessInput {
  videoId: string;
  /** Steps asked for; `probe` always runs. Absent or empty means every step. */
  steps?: StepName[];
  /** Rendition heights asked for, e.g. [360, 720]. */
  renditions?: number[];
  /**
   * The task queue of the media steps, so heavy work never holds up the light steps of other runs. Absent in runs
   * started before queues were split: their media steps run on the run's own queue, as they were scheduled then.
   */
  mediaTaskQueue?: string;
}

export interface ReprocessResult {
  videoId: string;
  info: VideoInfo;
  /** What each step produced, keyed by step; steps not run are absent. */
  outputs: Record<string, unknown>;
  /** The published run's manifest, relative to the video's `current` folder. */
  manifest: string | null;
}

/** The raw progress state; the API derives percentages, ETA and status from it. */
export const progressQuery = defineQuery<ProgressState>('progress');

/** Activities report their own progress through this signal. */
export const subtaskProgressSignal = defineSignal<[SubtaskProgressReport]>('subtaskProgress');

/** Keyword search attribute with the step in progress, so runs can be filtered in the Temporal UI. */
export const REPROCESS_STAGE = defineSearchAttributeKey('ReprocessStage', SearchAttributeType.KEYWORD);

/** Bad input is refused at once: these ApplicationFailure types are never retried. */
export const NON_RETRYABLE_ERROR_TYPES = ['VideoNotFound', 'InvalidMedia', 'UnsupportedMedia'];
