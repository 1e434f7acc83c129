import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema';

export type DialectName = 'sqlite' | 'postgres';

/** An open catalog database: the query builder, which engine it runs on, and how to close it. */
export interface CatalogDatabase {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  /** Where it is, for logs and the doctor; never carries a password. */
  readonly location: string;
  close(): Promise<void>;
}

export const SQLITE_FILE = 'catalog.sqlite';

/** PostgreSQL's int8 (our `size_bytes`) as a number: sizes stay far below 2^53. */
const INT8_OID = 20;
const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? (value: string) => Number(value)
      : (pg.types.getTypeParser(oid, format) as (value: string) => unknown)) as pg.CustomTypesConfig['getTypeParser'],
};

/** Opens the catalog: PostgreSQL when `databaseUrl` is set, else `DATA_DIR/catalog.sqlite`. */
export function openDatabase(options: { databaseUrl: string | null; dataDir: string }): CatalogDatabase {
  if (options.databaseUrl) {
    // Never wait long on the database: a connection within 2 s, a statement within 5 s, or the call fails (and the
    // API answers 503 CATALOG_UNAVAILABLE) instead of holding the request.
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: 10,
      types: pgTypes,
      connectionTimeoutMillis: 2_000,
      statement_timeout: 5_000,
      query_timeout: 6_000,
    });
    // An idle client's error (the server restarted) must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    const url = new URL(options.databaseUrl);
    url.password = url.password ? '***' : '';
    return {
      db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }),
      dialect: 'postgres',
      location: url.toString(),
      close: () => pool.end(),
    };
  }
  mkdirSync(options.dataDir, { recursive: true });
  const file = path.join(options.dataDir, SQLITE_FILE);
  const sqlite = new BetterSqlite3(file);
  // WAL lets the API read while the worker writes; the busy timeout makes a writer wait for another's short write
  // instead of failing. It is kept short because better-sqlite3 waits synchronously, holding the event loop.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 1000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, dialect: 'sqlite', location: file, close: () => db.destroy() };
}
