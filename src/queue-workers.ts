import type { Worker } from '@temporalio/worker';
import type { WorkerMetrics } from './worker-metrics';

/**
 * The SDK's workers of one process, one per task queue it serves (the run's own queue, the media queue), run and
 * stopped as one: a worker process is up only while all of them are.
 */
export class QueueWorkers {
  constructor(
    readonly workers: readonly Worker[],
    /** What they did, for /metrics. */
    readonly metrics: WorkerMetrics,
  ) {
    if (workers.length === 0) throw new Error('a worker process must serve at least one task queue');
  }

  get taskQueues(): string[] {
    return this.workers.map((worker) => worker.options.taskQueue);
  }

  /** Runs every worker until all have stopped; when one fails, the others are stopped and its error is thrown. */
  async run(): Promise<void> {
    const outcomes = this.workers.map((worker) =>
      worker.run().catch((error: unknown) => {
        this.shutdown();
        throw error;
      }),
    );
    const settled = await Promise.allSettled(outcomes);
    const failed = settled.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Starts a graceful stop of every worker still running: in-flight tasks finish or are handed back. */
  shutdown(): void {
    for (const worker of this.workers) {
      if (worker.getState() === 'RUNNING') worker.shutdown();
    }
  }

  /** Runs the workers while `work` runs, then stops them; fails if they stop first. */
  async runUntil<R>(work: () => Promise<R>): Promise<R> {
    const running = this.run();
    const stoppedFirst = running.then(() => {
      throw new Error('the workers stopped before the work was done');
    });
    try {
      return await Promise.race([work(), stoppedFirst]);
    } finally {
      stoppedFirst.catch(() => undefined);
      this.shutdown();
      await running;
    }
  }
}
