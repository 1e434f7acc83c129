import { ConfigError, loadConfig, type Config } from '../config';
import {
  checkBinding,
  checkCatalog,
  checkDataDir,
  checkMediaTools,
  checkTemporal,
  type CheckLevel,
  type CheckResult,
} from './checks';

export type { CheckLevel, CheckResult } from './checks';

/** Every check, for `npm run doctor`: the config first, and nothing else when it is invalid. */
export async function runDoctor(env: NodeJS.ProcessEnv = process.env): Promise<CheckResult[]> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((problem) => ({
      name: 'config',
      level: 'fail' as const,
      message: `${problem.variable}: ${problem.message}`,
      fix: `set ${problem.variable} to a valid value, or unset it for its default (README, Configuration)`,
    }));
  }
  const [tools, dataDir, temporal, catalog] = await Promise.all([
    checkMediaTools(config),
    checkDataDir(config),
    checkTemporal(config),
    checkCatalog(config),
  ]);
  return [
    { name: 'config', level: 'ok', message: 'every variable is valid' },
    checkBinding(config),
    ...tools,
    dataDir,
    ...temporal,
    catalog,
  ];
}

/**
 * The quick form the API and the worker run at start: what they need that they would otherwise find out about only
 * later (the worker, at its first video): the media tools, and a writable DATA_DIR.
 */
export async function quickChecks(config: Config, role: 'api' | 'worker'): Promise<CheckResult[]> {
  const dataDir = await checkDataDir(config);
  return role === 'worker' ? [...(await checkMediaTools(config)), dataDir] : [dataDir];
}

export const worstLevel = (results: readonly CheckResult[]): CheckLevel =>
  results.some((result) => result.level === 'fail')
    ? 'fail'
    : results.some((result) => result.level === 'warn')
      ? 'warn'
      : 'ok';

/** One line per check, then its fix, for people. */
export function formatResults(results: readonly CheckResult[]): string {
  const width = Math.max(...results.map((result) => result.name.length));
  return results
    .map((result) => {
      const line = `${result.level.padEnd(4)}  ${result.name.padEnd(width)}  ${result.message}`;
      return result.fix ? `${line}\n      ${' '.repeat(width)}  fix: ${result.fix}` : line;
    })
    .join('\n');
}
