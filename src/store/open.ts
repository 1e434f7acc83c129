import { Catalog } from './catalog';
import { openDatabase, type CatalogDatabase } from './database';
import { withFileLock } from './file-lock';
import { migrateToLatest, pendingMigrations } from './migrator';

export interface OpenCatalogOptions {
  databaseUrl: string | null;
  dataDir: string;
  /** Bring the schema to the latest migration first (MIGRATE_ON_START). */
  migrate: boolean;
}

/** Thrown when the schema is behind and the process was told not to migrate it. */
export class PendingMigrationsError extends Error {
  override readonly name = 'PendingMigrationsError';
  constructor(readonly pending: readonly string[]) {
    super(
      `The catalog has pending migrations (${pending.join(', ')}): run \`npm run migrate\`, or start with MIGRATE_ON_START=true`,
    );
  }
}

/** Opens the catalog for a process: the database, migrated (or checked to be current), and the Catalog on it. */
export async function openCatalog(
  options: OpenCatalogOptions,
): Promise<{ catalog: Catalog; database: CatalogDatabase }> {
  const database = openDatabase(options);
  try {
    if (options.migrate) {
      // PostgreSQL: Kysely's migrator takes an advisory lock. SQLite: it takes none, so processes sharing the file
      // (the API and the worker starting together) take turns through a lock file beside it.
      if (database.dialect === 'sqlite')
        await withFileLock(`${database.location}.migrate.lock`, () => migrateToLatest(database.db));
      else await migrateToLatest(database.db);
    } else {
      const pending = await pendingMigrations(database.db);
      if (pending.length > 0) throw new PendingMigrationsError(pending);
    }
    return { catalog: new Catalog(database.db), database };
  } catch (error) {
    await database.close();
    throw error;
  }
}
