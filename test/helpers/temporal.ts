import { MockActivityEnvironment, TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { REPROCESS_STAGE } from '../../src/workflows/definitions';

/**
 * A real Temporal dev server on free ports, from the CLI that global setup found. Not time-skipping: runs behave as
 * they do in production. A fixed port and database file let a test stop the server and bring the same one back.
 */
export async function startDevServer(
  options: { port?: number; dbFilename?: string } = {},
): Promise<TestWorkflowEnvironment> {
  const path = process.env['REPROCESS_TEST_TEMPORAL_CLI'];
  if (!path) throw new Error('REPROCESS_TEST_TEMPORAL_CLI is not set: run the tests with `npm test`');
  // The SDK's info logs (bundles, worker states) bury test failures; warnings and errors still show.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  return TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path }, searchAttributes: [REPROCESS_STAGE], ...options },
  });
}

/** An activity environment whose SDK logger prints only real problems, so test output stays readable. */
export function quietActivityEnvironment(): MockActivityEnvironment {
  return new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
}
