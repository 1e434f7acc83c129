import { openCatalog, type Catalog } from '../../src/store';

/** The catalog a test's worker and API share: SQLite in the test's DATA_DIR, migrated, as the processes open it. */
export async function openTestCatalog(dataDir: string): Promise<{ catalog: Catalog; close: () => Promise<void> }> {
  const { catalog, database } = await openCatalog({ databaseUrl: null, dataDir, migrate: true });
  return { catalog, close: () => database.close() };
}
