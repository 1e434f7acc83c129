import type { Client } from '@temporalio/client';
import { ApiError } from '../../src/api/errors';
import { Orchestrator } from '../../src/api/orchestrator';

/**
 * Concurrent starts for one video are single-flight in the API: Temporal sees one start, the rest are refused with its
 * run id. A stand-in client counts the starts (the real server's behaviour is covered by the API tests).
 */
describe('Orchestrator.start under a burst of concurrent starts', () => {
  function orchestratorWith(start: () => Promise<{ firstExecutionRunId: string }>) {
    const client = {
      options: { namespace: 'default' },
      connection: {},
      workflow: { start: jest.fn(start) },
      withDeadline: (_deadline: number, call: () => Promise<unknown>) => call(),
    };
    const orchestrator = new Orchestrator(client as unknown as Client, { taskQueue: 'q', queryTimeoutMs: 2_000 });
    return { orchestrator, starts: client.workflow.start };
  }

  it('asks Temporal once and refuses the others with the run it started', async () => {
    const { orchestrator, starts } = orchestratorWith(
      () => new Promise((resolve) => setTimeout(() => resolve({ firstExecutionRunId: 'run-1' }), 50)),
    );
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, () => orchestrator.start({ videoId: 'clip' })),
    );
    expect(starts).toHaveBeenCalledTimes(1);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as ApiError] : []));
    expect(refused).toHaveLength(19);
    for (const error of refused) {
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ code: 'TASK_ALREADY_RUNNING', details: { video_id: 'clip', run_id: 'run-1' } });
    }
  });

  it('lets the next caller try when the first start failed, and forgets finished starts', async () => {
    let calls = 0;
    const { orchestrator, starts } = orchestratorWith(() => {
      calls += 1;
      return calls === 1
        ? Promise.reject(new Error('unreachable'))
        : Promise.resolve({ firstExecutionRunId: `run-${calls}` });
    });
    const [first, second] = await Promise.allSettled([
      orchestrator.start({ videoId: 'clip' }),
      orchestrator.start({ videoId: 'clip' }),
    ]);
    expect(first.status).toBe('rejected');
    expect(second).toEqual({ status: 'fulfilled', value: { runId: 'run-2' } });
    // Nothing in flight any more: a later start asks Temporal again.
    await expect(orchestrator.start({ videoId: 'clip' })).resolves.toEqual({ runId: 'run-3' });
    expect(starts).toHaveBeenCalledTimes(3);
  });
});
