import { ErrorEnvelope, ReprocessRequest, TaskProgressResponse } from '../../src/api/models';
import { presentFromExecution, presentProgress } from '../../src/api/present';
import { RunProgress } from '../../src/progress';

const execution = {
  workflowId: 'demo',
  runId: 'run-1',
  status: 'RUNNING' as const,
  startTime: new Date('2026-01-01T00:00:00Z'),
};

describe('ReprocessRequest', () => {
  it('accepts an empty body and every documented field', () => {
    expect(ReprocessRequest.parse({})).toEqual({});
    expect(ReprocessRequest.parse({ steps: ['probe', 'transcode'], renditions: [360, 720] })).toMatchObject({
      steps: ['probe', 'transcode'],
    });
    // Its form is checked by the callback policy, which answers with a code of its own (INVALID_CALLBACK_URL).
    expect(ReprocessRequest.parse({ callback_url: 'https://example.com/hook' })).toEqual({
      callback_url: 'https://example.com/hook',
    });
  });

  it.each([
    [{ unknown: true }],
    [{ steps: ['sharpen'] }],
    [{ steps: 'probe' }],
    [{ renditions: [] }],
    [{ renditions: [12] }],
    [{ renditions: [360.5] }],
    [{ callback_url: 42 }],
  ])('refuses %j', (body) => {
    expect(ReprocessRequest.safeParse(body).success).toBe(false);
  });
});

describe('TaskProgressResponse', () => {
  it('describes what presentProgress builds from the workflow state', () => {
    const progress = new RunProgress('demo', 'run-1', ['probe'], '2026-01-01T00:00:00.000Z');
    progress.start('probe', '2026-01-01T00:00:01.000Z');
    const body = presentProgress(progress.snapshot(), execution, Date.parse('2026-01-01T00:00:02Z'));
    expect(TaskProgressResponse.parse(body)).toEqual(body);
    expect(body).toMatchObject({ status: 'running', current_step: 'probe', stale: false, run_id: 'run-1' });
  });

  it('describes a stale answer built from describe() alone', () => {
    const body = presentFromExecution('demo', execution, 'no worker');
    expect(TaskProgressResponse.parse(body)).toEqual(body);
    expect(body).toMatchObject({ stale: true, message: 'no worker', status: 'queued', subtasks: [] });
  });
});

describe('ErrorEnvelope', () => {
  it('requires a code, a message and the request id', () => {
    expect(ErrorEnvelope.safeParse({ error: { code: 'X', message: 'm', request_id: 'r' } }).success).toBe(true);
    expect(ErrorEnvelope.safeParse({ error: { code: 'X', message: 'm' } }).success).toBe(false);
  });
});
