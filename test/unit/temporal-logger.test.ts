import { Writable } from 'node:stream';
import pino from 'pino';
import { fieldsOf, sdkLoggerFor } from '../../src/temporal-logger';

function capture(level: pino.Level) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: sdkLoggerFor(pino({ level }, sink)), lines };
}

describe('sdkLoggerFor(pino)', () => {
  it('writes the SDK context under the API log names, without the task token', async () => {
    const { logger, lines } = capture('info');
    logger.info('run recorded', {
      workflowId: 'clip',
      workflowRunId: 'r-1',
      activityType: 'recordRun',
      attempt: 2,
      taskToken: 'c2VjcmV0',
      videoId: 'clip',
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'run recorded',
      workflow_id: 'clip',
      run_id: 'r-1',
      activity_type: 'recordRun',
      attempt: 2,
      videoId: 'clip',
    });
    expect(lines[0]).not.toHaveProperty('taskToken');
  });

  it('keeps to LOG_LEVEL and maps every SDK level', async () => {
    const { logger, lines } = capture('warn');
    logger.trace('t');
    logger.debug('d');
    logger.info('i');
    logger.log('WARN', 'w');
    logger.error('e', { error: new Error('boom') });
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((line) => [line['level'], line['msg']])).toEqual([
      [40, 'w'],
      [50, 'e'],
    ]);
    expect((lines[1]!['err'] as { message: string }).message).toBe('boom');
  });

  it("keeps the SDK's many-line reports (the bundler's) to debug", async () => {
    const { logger, lines } = capture('info');
    logger.info('asset workflow-bundle.js 1.6 MiB\nruntime modules 587 bytes', { sdkComponent: 'worker' });
    logger.info('Workflow bundle created', { sdkComponent: 'worker' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((line) => line['msg'])).toEqual(['Workflow bundle created']);
  });

  it("keeps the media queue worker's having no workflows to debug, other warnings at warn", async () => {
    const { logger, lines } = capture('info');
    logger.warn('No workflows registered, not polling for workflow tasks', { taskQueue: 'q-media' });
    logger.warn('Activity heartbeat timed out', { taskQueue: 'q-media' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((line) => line['msg'])).toEqual(['Activity heartbeat timed out']);
  });

  it('names workflow context too', () => {
    expect(fieldsOf({ workflowId: 'v', runId: 'r', workflowType: 'ReprocessVideo', sdkComponent: 'workflow' })).toEqual(
      { workflow_id: 'v', run_id: 'r', workflow_type: 'ReprocessVideo', sdk_component: 'workflow' },
    );
  });
});
