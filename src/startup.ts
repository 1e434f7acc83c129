import type { Config } from './config';
import { quickChecks, worstLevel } from './doctor';
import type { Logger } from './logger';
import { openCatalog, type Catalog, type CatalogDatabase } from './store';

/**
 * What the API and the worker do first: the doctor's quick checks (a fail stops the process, naming the fix), then
 * the catalog, opened and migrated as configured.
 */
export async function prepareProcess(
  config: Config,
  role: 'api' | 'worker',
  logger: Logger,
): Promise<{ catalog: Catalog; database: CatalogDatabase }> {
  const checks = await quickChecks(config, role);
  for (const check of checks.filter((result) => result.level !== 'ok')) {
    logger[check.level === 'fail' ? 'error' : 'warn']({ check: check.name, fix: check.fix }, check.message);
  }
  if (worstLevel(checks) === 'fail') process.exit(1);
  const opened = await openCatalog({
    databaseUrl: config.catalog.databaseUrl,
    dataDir: config.dataDir,
    migrate: config.catalog.migrateOnStart,
  });
  logger.info({ catalog: opened.database.location, engine: opened.database.dialect }, 'catalog open');
  return opened;
}
