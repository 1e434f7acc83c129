import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type CatalogDatabase, type DialectName } from '../../src/store';
import { makeDataDir } from './media';

/** The machine's PostgreSQL (trust auth); each test file makes its own database there and drops it after. */
export const POSTGRES_ADMIN_URL =
  process.env['REPROCESS_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const DIALECTS: DialectName[] = ['sqlite', 'postgres'];

export interface TestDatabase {
  database: CatalogDatabase;
  /** DATABASE_URL for processes that should use the same catalog; null for SQLite (it lives in `dataDir`). */
  databaseUrl: string | null;
  dataDir: string;
  drop(): Promise<void>;
}

/** A fresh, empty catalog database of the given kind, and a way to remove every trace of it. */
export async function createTestDatabase(dialect: DialectName): Promise<TestDatabase> {
  const { dataDir, cleanup } = await makeDataDir();
  if (dialect === 'sqlite') {
    const database = openDatabase({ databaseUrl: null, dataDir });
    return {
      database,
      databaseUrl: null,
      dataDir,
      drop: async () => {
        await database.close();
        await cleanup();
      },
    };
  }
  const name = `reprocess_test_${randomBytes(6).toString('hex')}`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  const database = openDatabase({ databaseUrl: url.toString(), dataDir });
  return {
    database,
    databaseUrl: url.toString(),
    dataDir,
    drop: async () => {
      await database.close();
      await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      await cleanup();
    },
  };
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}
