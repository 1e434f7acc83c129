import { createMetrics } from '../../src/api/metrics';
import { DeadlineExceededError } from '../../src/api/orchestrator';
import type { ExecutionView } from '../../src/api/present';
import { ProgressReader } from '../../src/api/progress-reader';
import { RunProgress } from '../../src/progress';

const BUDGET = 2_000;

/** An orchestrator that answers from a script and records the deadline of every call. */
function fakeOrchestrator(options: { answer: boolean; workers: boolean | null }) {
  const deadlines: number[] = [];
  const progress = new RunProgress('v', 'run-1', ['probe', 'transcode', 'publish'], '2026-01-01T00:00:00.000Z');
  progress.start('probe', '2026-01-01T00:00:01.000Z');
  progress.report({ step: 'probe', attempt: 1, fraction: 0.5, at: '2026-01-01T00:00:02.000Z' });
  const execution: ExecutionView = {
    workflowId: 'v',
    runId: 'run-1',
    status: 'RUNNING',
    startTime: new Date('2026-01-01T00:00:00.000Z'),
    stepsStarted: true,
  };
  let answering = options.answer;
  return {
    deadlines,
    stopAnswering: () => (answering = false),
    orchestrator: {
      queryTimeoutMs: BUDGET,
      taskQueue: 'q',
      queryLatest: (_id: string, deadline: number) => {
        deadlines.push(deadline);
        return answering ? Promise.resolve(progress.snapshot()) : Promise.reject(new DeadlineExceededError());
      },
      queryProgress: (_id: string, deadline?: number) => {
        deadlines.push(deadline ?? Infinity);
        return Promise.reject(new DeadlineExceededError());
      },
      describe: (_id: string, deadline?: number) => {
        deadlines.push(deadline ?? Infinity);
        return Promise.resolve(execution);
      },
      hasRecentWorkers: (deadline: number) => {
        deadlines.push(deadline);
        return Promise.resolve(options.workers);
      },
    },
  };
}

describe('ProgressReader.read', () => {
  it('gives every Temporal call a deadline within one budget, keeping time for the fallback', async () => {
    const fake = fakeOrchestrator({ answer: false, workers: false });
    const started = Date.now();
    const answer = await new ProgressReader(fake.orchestrator, createMetrics()).read('v');
    expect(fake.deadlines.length).toBe(3);
    for (const deadline of fake.deadlines) expect(deadline).toBeLessThanOrEqual(Date.now() + BUDGET);
    for (const deadline of fake.deadlines) expect(deadline).toBeGreaterThanOrEqual(started);
    // The query's deadline leaves room for describe and the worker check after it.
    expect(fake.deadlines[0]).toBeLessThan(fake.deadlines[1]!);
    expect(answer).toMatchObject({ stale: true, status: 'running' });
    expect(answer.message).toMatch(/no worker is polling task queue "q"/);
  });

  it('says workers may be busy when some polled recently', async () => {
    const fake = fakeOrchestrator({ answer: false, workers: true });
    const answer = await new ProgressReader(fake.orchestrator, createMetrics()).read('v');
    expect(answer.message).toMatch(/did not answer within 2000 ms/);
  });

  it('keeps the last live progress and subtasks in a stale answer for the same run', async () => {
    const fake = fakeOrchestrator({ answer: true, workers: false });
    const reader = new ProgressReader(fake.orchestrator, createMetrics());
    const live = await reader.read('v');
    expect(live).toMatchObject({ stale: false, run_id: 'run-1' });
    expect(live.progress).toBeGreaterThan(0);
    fake.stopAnswering();
    const stale = await reader.read('v');
    expect(stale).toMatchObject({ stale: true, progress: live.progress, seq: live.seq, status: 'running' });
    expect(stale.subtasks).toEqual(live.subtasks);
    expect(stale.message).toMatch(/last one the workflow gave/);
  });
});
