import { ApiError } from '../../src/api/errors';
import { createMetrics } from '../../src/api/metrics';
import { DeadlineExceededError } from '../../src/api/orchestrator';
import type { ExecutionView } from '../../src/api/orchestrator';
import { ProgressReader, type RunHistory } from '../../src/api/progress-reader';
import { RunProgress } from '../../src/progress';
import type { TaskRow } from '../../src/store';

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
      describe: (_id: string, deadline?: number): Promise<ExecutionView> => {
        deadlines.push(deadline ?? Infinity);
        return Promise.resolve(execution);
      },
      hasRecentWorkers: (deadline: number) => {
        deadlines.push(deadline);
        return Promise.resolve(options.workers);
      },
      // These runs have no callback: the delivery is never asked for.
      queryDelivery: () => Promise.reject(new Error('not asked')),
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

describe('ProgressReader.read with the catalog', () => {
  function row(overrides: Partial<TaskRow> = {}): TaskRow {
    const progress = new RunProgress('v', 'run-1', ['probe', 'transcode', 'publish'], '2026-01-01T00:00:00.000Z');
    progress.start('probe', '2026-01-01T00:00:01.000Z');
    progress.report({ step: 'probe', attempt: 1, fraction: 0.5, at: '2026-01-01T00:00:02.000Z' });
    return {
      run_id: 'run-1',
      video_id: 'v',
      workflow_id: 'v',
      status: 'running',
      progress: 12.5,
      steps: '["probe","transcode","publish"]',
      snapshot: JSON.stringify(progress.snapshot()),
      error: null,
      notify: null,
      created_at: '2026-01-01T00:00:00.000Z',
      started_at: '2026-01-01T00:00:00.000Z',
      finished_at: null,
      updated_at: '2026-01-01T00:00:02.000Z',
      ...overrides,
    };
  }

  function history(found: TaskRow | undefined): RunHistory & { saved: unknown[] } {
    const saved: unknown[] = [];
    return {
      saved,
      saveSnapshot: (runId, seen) => {
        saved.push({ runId, ...seen });
        return Promise.resolve();
      },
      findRun: () => Promise.resolve(found),
      latestRun: () => Promise.resolve(found),
      closeRun: () => Promise.resolve(),
    };
  }

  it("answers a run this process never saw from the catalog's snapshot, with its subtasks", async () => {
    const fake = fakeOrchestrator({ answer: false, workers: false });
    const answer = await new ProgressReader(fake.orchestrator, createMetrics(), history(row())).read('v');
    expect(answer).toMatchObject({ stale: true, run_id: 'run-1', status: 'running' });
    expect(answer.subtasks.find((subtask) => subtask.name === 'probe')).toMatchObject({
      status: 'running',
      progress: 50,
    });
    expect(answer.progress).toBeGreaterThanOrEqual(12.5);
    expect(answer.message).toMatch(/catalog's last snapshot/);
  });

  it("answers a run past Temporal's retention from the catalog's record", async () => {
    const fake = fakeOrchestrator({ answer: false, workers: false });
    fake.orchestrator.describe = () => Promise.reject(new ApiError('TASK_NOT_FOUND'));
    const finished = row({ status: 'completed', progress: 100, finished_at: '2026-01-01T00:05:00.000Z' });
    const answer = await new ProgressReader(fake.orchestrator, createMetrics(), history(finished)).read('v');
    expect(answer).toMatchObject({ stale: true, status: 'completed', progress: 100 });
    expect(answer.message).toMatch(/past its retention/);
  });

  it('keeps live answers in the catalog, at most once per seq', async () => {
    const fake = fakeOrchestrator({ answer: true, workers: false });
    const kept = history(undefined);
    const reader = new ProgressReader(fake.orchestrator, createMetrics(), kept);
    await reader.read('v');
    await reader.read('v');
    expect(kept.saved).toHaveLength(1);
    expect(kept.saved[0]).toMatchObject({ runId: 'run-1', status: 'running' });
  });

  it('answers 404 when neither Temporal nor the catalog knows the run', async () => {
    const fake = fakeOrchestrator({ answer: false, workers: false });
    fake.orchestrator.describe = () => Promise.reject(new ApiError('TASK_NOT_FOUND'));
    await expect(
      new ProgressReader(fake.orchestrator, createMetrics(), history(undefined)).read('v'),
    ).rejects.toMatchObject({
      code: 'TASK_NOT_FOUND',
    });
  });
});
