import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { REPROCESS_STAGE } from '../../src/workflows/definitions';
import { findTemporalCli } from './temporal-cli';

/**
 * A throwaway Temporal dev server for scripts and benchmarks (free ports, its search attribute registered), from the
 * CLI setup found; the SDK's own logs kept to errors. `extraArgs` go to `temporal server start-dev` as they are, e.g.
 * `['--dynamic-config-value', 'matching.useNewMatcher=true']`.
 */
export async function startScratchDevServer(options: { extraArgs?: string[] } = {}): Promise<TestWorkflowEnvironment> {
  const cli = findTemporalCli();
  if (!cli) throw new Error('No Temporal CLI: run `npm run setup` first');
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: cli },
      searchAttributes: [REPROCESS_STAGE],
      ...(options.extraArgs ? { extraArgs: options.extraArgs } : {}),
    },
  });
}
