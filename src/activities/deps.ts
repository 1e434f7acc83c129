import type { SubtaskProgressReport } from '../progress';
import type { Catalog } from '../store';
import type { BatchDeps } from './batch';

/** Sends a progress report to the run's own workflow (signal `subtaskProgress`). */
export type SignalProgress = (workflowId: string, runId: string, report: SubtaskProgressReport) => Promise<void>;

/** What the activities need from the outside world; the worker builds it from Config, tests build their own. */
export interface ActivityDeps {
  dataDir: string;
  ffmpegPath: string;
  ffprobePath: string;
  probeTimeoutMs: number;
  signalProgress: SignalProgress;
  /** Where runs are recorded (processing_tasks) and published runs become a video's current one. */
  catalog: Catalog;
  /** How many runs of ffmpeg share the machine: the worker's cores. */
  cores?: number;
  /** Chunks of one video the deployment can encode at once (TRANSCODE_PARALLELISM): the probe plans by it. */
  transcodeParallelism?: number;
  /** Webhook signing and where deliveries may go (config's `webhooks`); without secrets nothing is delivered. */
  webhooks?: { secrets: readonly string[]; allowPrivate: boolean };
  /** Batch reprocessing: the batch records and a client to start and watch runs; absent, batches cannot run here. */
  batches?: BatchDeps;
  /** Sees every progress update before throttling; the benchmark uses it to measure how far reports lag the truth. */
  observe?: (runId: string, step: string, fraction: number, part?: { part: number; share: number }) => void;
}
