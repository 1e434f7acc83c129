import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createProgressReporter } from '../../src/activities/reporter';
import type { SubtaskProgressReport } from '../../src/progress';

function environment(attempt: number): MockActivityEnvironment {
  return new MockActivityEnvironment(
    { attempt, workflowExecution: { workflowId: 'video', runId: 'run-1' } },
    { logger: new DefaultLogger('ERROR') },
  );
}

describe('createProgressReporter', () => {
  it('heartbeats every update but signals only when the overall fraction moved enough', async () => {
    const sent: SubtaskProgressReport[] = [];
    const track = createProgressReporter((_workflowId, _runId, report) => {
      sent.push(report);
      return Promise.resolve();
    });
    const env = environment(1);
    const heartbeats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => heartbeats.push(details));
    await env.run(() => {
      const { update, release } = track('scenes', 0.1);
      for (let i = 1; i <= 100; i += 1) update(i / 100);
      release();
      return Promise.resolve();
    });
    expect(heartbeats).toHaveLength(100);
    // share 0.1: the overall moves 1.5 points after 15 % of the step; the first signal goes at once.
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ step: 'scenes', attempt: 1, fraction: 0.15 });
  });

  it('announces a retry at once, with its attempt number', async () => {
    const sent: SubtaskProgressReport[] = [];
    const track = createProgressReporter((_workflowId, _runId, report) => {
      sent.push(report);
      return Promise.resolve();
    });
    await environment(3).run(() => {
      track('transcode', 0.8).release();
      return Promise.resolve();
    });
    expect(sent).toEqual([expect.objectContaining({ step: 'transcode', attempt: 3, fraction: 0 })]);
  });
});
