// npm run migrate        — bring the catalog to the latest migration
// npm run migrate:down   — revert the latest applied migration (one step back)
// npm run migrate:status — list applied and pending migrations
// The catalog is the one the service uses: DATABASE_URL when set, else DATA_DIR/catalog.sqlite.
import { loadConfigOrExit } from '../src/config';
import { MIGRATION_NAMES, migrateDown, migrateToLatest, openDatabase, pendingMigrations } from '../src/store';
import { withFileLock } from '../src/store/file-lock';

async function run(): Promise<void> {
  const config = loadConfigOrExit();
  const command = process.argv[2] ?? 'latest';
  const database = openDatabase({ databaseUrl: config.catalog.databaseUrl, dataDir: config.dataDir });
  try {
    console.log(`catalog: ${database.dialect} at ${database.location}`);
    if (command === 'latest') {
      const migrate = () => migrateToLatest(database.db);
      const applied =
        database.dialect === 'sqlite'
          ? await withFileLock(`${database.location}.migrate.lock`, migrate)
          : await migrate();
      console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'already at the latest migration');
    } else if (command === 'down') {
      const reverted = await migrateDown(database.db);
      console.log(reverted.length > 0 ? `reverted: ${reverted.join(', ')}` : 'no migration is applied');
    } else if (command === 'status') {
      const pending = new Set(await pendingMigrations(database.db));
      for (const name of MIGRATION_NAMES) console.log(`  ${pending.has(name) ? 'pending' : 'applied'}  ${name}`);
    } else {
      throw new Error(`unknown command "${command}": use latest, down or status`);
    }
  } finally {
    await database.close();
  }
}

run().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
