import type { Rendition } from '../media/ladder';
import type { VideoInfo } from '../media/probe';

/** What every media step is given by the workflow. */
export interface MediaStepInput {
  videoId: string;
  info: VideoInfo;
  /** This step's share (0..1) of the run's total weight (a part's: its own), for coalesced progress signals. */
  share: number;
  /** Which part of its step this activity is (a chunk of the transcode); absent for a step done whole. */
  part?: number;
}

export interface TranscodeInput extends MediaStepInput {
  renditions: Rendition[];
}

/** A step that had nothing to do says why, and the workflow shows it as `skipped`. */
export interface SkippedOutcome {
  skipped: true;
  reason: string;
}
