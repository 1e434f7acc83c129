import type { Worker } from '@temporalio/worker';
import { QueueWorkers } from '../../src/queue-workers';
import { createWorkerMetrics } from '../../src/worker-metrics';

/** A stand-in for the SDK's Worker: runs until shut down, or fails when told. */
function fakeWorker(taskQueue: string) {
  let state: 'INITIALIZED' | 'RUNNING' | 'STOPPED' = 'INITIALIZED';
  let stop: (() => void) | null = null;
  let fail: ((error: Error) => void) | null = null;
  const worker = {
    options: { taskQueue },
    getState: () => state,
    run: () =>
      new Promise<void>((resolve, reject) => {
        state = 'RUNNING';
        stop = () => {
          state = 'STOPPED';
          resolve();
        };
        fail = (error) => {
          state = 'STOPPED';
          reject(error);
        };
      }),
    shutdown: () => stop?.(),
  };
  return { worker: worker as unknown as Worker, fail: (error: Error) => fail?.(error), state: () => state };
}

const metrics = () => createWorkerMetrics({ mediaSlots: 1 });

describe('QueueWorkers', () => {
  it('runs its workers as one: one failing stops the other, and its error comes out', async () => {
    const main = fakeWorker('q');
    const media = fakeWorker('q-media');
    const workers = new QueueWorkers([main.worker, media.worker], metrics());
    expect(workers.taskQueues).toEqual(['q', 'q-media']);
    const running = workers.run();
    media.fail(new Error('lost the server'));
    await expect(running).rejects.toThrow('lost the server');
    expect(main.state()).toBe('STOPPED');
  });

  it('stops every worker after runUntil, and says so when they stopped before the work was done', async () => {
    const main = fakeWorker('q');
    const media = fakeWorker('q-media');
    const workers = new QueueWorkers([main.worker, media.worker], metrics());
    await expect(workers.runUntil(() => Promise.resolve(42))).resolves.toBe(42);
    expect([main.state(), media.state()]).toEqual(['STOPPED', 'STOPPED']);

    const early = new QueueWorkers([fakeWorker('q').worker], metrics());
    const never = new Promise<number>(() => undefined);
    const work = early.runUntil(() => {
      setImmediate(() => early.shutdown());
      return never;
    });
    await expect(work).rejects.toThrow('stopped before the work was done');
  });

  it('refuses to be made of no worker', () => {
    expect(() => new QueueWorkers([], metrics())).toThrow('at least one task queue');
  });
});
