import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'histories');

/**
 * Determinism: recorded histories of real runs (scripts/record-histories.ts) must replay against today's workflow
 * code. A failure here means a change would break runs in flight: patch it, or re-record on purpose.
 */
describe('ReprocessVideo replays its recorded histories', () => {
  beforeAll(() => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  });

  // Runs recorded before runs recorded themselves in the catalog replay too: that change is behind patched(). Runs
  // recorded before the media steps had a queue of their own (no mediaTaskQueue in their input) replay as well, and
  // so do runs from before the short steps were local activities and from before the chunked transcode (patched()
  // again).
  it.each([
    'success',
    'retry',
    'cancelled',
    'before-chunks-success',
    'before-chunks-retry',
    'before-chunks-cancelled',
    'before-local-steps-success',
    'before-local-steps-retry',
    'before-local-steps-cancelled',
    'before-queues-success',
    'before-queues-retry',
    'before-queues-cancelled',
    'before-catalog-success',
    'before-catalog-retry',
    'before-catalog-cancelled',
  ])('replays the %s run', async (name) => {
    const history: unknown = JSON.parse(await fs.readFile(path.join(FIXTURES, `${name}.json`), 'utf8'));
    await expect(
      Worker.runReplayHistory({ workflowsPath: require.resolve('../../src/workflows') }, history, name),
    ).resolves.toBeUndefined();
  });

  it('notices a workflow that no longer matches its history', async () => {
    const history = JSON.parse(await fs.readFile(path.join(FIXTURES, 'success.json'), 'utf8')) as {
      events: { eventType: string }[];
    };
    // Drop the first activity the run scheduled: replay must now disagree with what the code does.
    const scheduled = history.events.findIndex((event) => event.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED');
    history.events.splice(scheduled, 1);
    await expect(
      Worker.runReplayHistory({ workflowsPath: require.resolve('../../src/workflows') }, history, 'success'),
    ).rejects.toThrow();
  });
});
