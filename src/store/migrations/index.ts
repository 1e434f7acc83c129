import type { Migration, MigrationProvider } from 'kysely';
import * as catalogTables from './0001-catalog-tables';
import * as catalogIndexes from './0002-catalog-indexes';
import * as runNotify from './0003-run-notify';
import * as batches from './0004-batches';

/**
 * Every migration, in order, imported statically: the same list runs from TypeScript (tsx), from compiled
 * JavaScript and in tests, with no directory scanning. Names sort in the order they apply.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '0001-catalog-tables': catalogTables,
  '0002-catalog-indexes': catalogIndexes,
  '0003-run-notify': runNotify,
  '0004-batches': batches,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(MIGRATIONS),
};
