import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createProgressReporter } from '../../src/activities/reporter';
import type { SubtaskProgressReport } from '../../src/progress';

function environment(attempt: number, heartbeatDetails?: unknown): MockActivityEnvironment {
  return new MockActivityEnvironment(
    { attempt, heartbeatDetails, workflowExecution: { workflowId: 'video', runId: 'run-1' } },
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

  it('carries a checkpoint in every heartbeat, and hands the last one to the next attempt', async () => {
    const sent: SubtaskProgressReport[] = [];
    const track = createProgressReporter((_workflowId, _runId, report) => {
      sent.push(report);
      return Promise.resolve();
    });
    const first = environment(1);
    const beats: unknown[] = [];
    first.on('heartbeat', (details: unknown) => beats.push(details));
    await first.run(() => {
      const { update, checkpoint, release } = track('transcode', 0.8);
      update(0.2);
      checkpoint({ segments: 3 });
      update(0.3);
      release();
      return Promise.resolve();
    });
    expect(beats).toEqual([
      { fraction: 0.2 },
      { fraction: 0.2, resume: { segments: 3 } },
      { fraction: 0.3, resume: { segments: 3 } },
    ]);

    const retry = environment(2, beats.at(-1));
    const retryBeats: unknown[] = [];
    retry.on('heartbeat', (details: unknown) => retryBeats.push(details));
    await retry.run(() => {
      const { update, announce, previousDetails, release } = track('transcode', 0.8);
      expect(previousDetails).toEqual({ fraction: 0.3, resume: { segments: 3 } });
      announce('resumed at 12 s (segment 3)', 0.25);
      // Below what the crashed attempt reached: the details keep the highest fraction, and the checkpoint.
      update(0.26);
      release();
      return Promise.resolve();
    });
    expect(retryBeats).toEqual([{ fraction: 0.3, resume: { segments: 3 } }]);
    expect(sent.at(-1)).toMatchObject({ attempt: 2, fraction: 0.25, message: 'resumed at 12 s (segment 3)' });
  });
});

describe('createProgressReporter, for the parts of a step', () => {
  it('sends the parts running side by side on one worker as one signal, each with its own attempt', async () => {
    const sent: SubtaskProgressReport[] = [];
    const track = createProgressReporter((_workflowId, _runId, report) => {
      sent.push(report);
      return Promise.resolve();
    });
    await environment(1).run(async () => {
      const first = track('transcode', 0.2, 0);
      const second = track('transcode', 0.2, 1);
      first.update(0.05);
      second.update(0.05);
      // 0.2 × 0.05 twice = 2 points of the run: over the throttle's 1.5, so one signal goes, naming both parts.
      await new Promise((resolve) => setTimeout(resolve, 150));
      first.release();
      second.release();
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.step).toBe('transcode');
    expect(sent[0]?.parts).toEqual([
      { part: 0, attempt: 1, fraction: 0.05 },
      { part: 1, attempt: 1, fraction: 0.05 },
    ]);
  });

  it("announces a part's retry at once, as that part's", async () => {
    const sent: SubtaskProgressReport[] = [];
    const track = createProgressReporter((_workflowId, _runId, report) => {
      sent.push(report);
      return Promise.resolve();
    });
    await environment(2).run(() => {
      track('transcode', 0.1, 7).release();
      return Promise.resolve();
    });
    expect(sent).toEqual([
      expect.objectContaining({ step: 'transcode', parts: [{ part: 7, attempt: 2, fraction: 0 }] }),
    ]);
  });
});
