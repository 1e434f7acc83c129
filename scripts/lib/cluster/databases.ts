import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { TemporalServerBinaries } from '../temporal-server';
import { errorMessage } from './errors';
import { compileDatabaseOptions, type DatabaseOptionsInput } from './options';
import { parsePostgresUrl } from './postgres-url';

const execFileAsync = promisify(execFile);

/**
 * Makes both databases ready for the server, safe to run again: each is created unless it exists, given the SQL
 * tool's version tables when new, and brought to the schema of the server's version.
 */
export async function prepareDatabases(
  binaries: TemporalServerBinaries,
  input: DatabaseOptionsInput = {},
): Promise<void> {
  const options = compileDatabaseOptions(input);
  const stores = [
    { name: options.databases.main, schema: 'temporal' },
    { name: options.databases.visibility, schema: 'visibility' },
  ];
  await withDatabase(options.postgresUrl, null, async (admin) => {
    for (const { name } of stores) {
      const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (rowCount) continue;
      try {
        await admin.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
        options.log(`created the database ${name}`);
      } catch (error) {
        // Created by someone else meanwhile: just as good.
        if ((error as { code?: string }).code !== '42P04') throw error;
      }
    }
  });
  for (const { name, schema } of stores) {
    const versioned = await withDatabase(options.postgresUrl, name, async (db) => {
      const { rows } = await db.query<{ table: string | null }>(`SELECT to_regclass('schema_version')::text AS table`);
      return rows[0]?.table != null;
    });
    if (!versioned) await runSqlTool(binaries, options.postgresUrl, name, ['setup-schema', '-v', '0.0']);
    await runSqlTool(binaries, options.postgresUrl, name, [
      'update-schema',
      '-d',
      path.join(binaries.schemaDir, schema, 'versioned'),
    ]);
  }
  options.log(`the schemas of ${stores.map(({ name }) => name).join(' and ')} are up to date`);
}

/** Drops both databases, even while something is still connected to them; missing ones are fine. */
export async function dropDatabases(input: DatabaseOptionsInput = {}): Promise<void> {
  const options = compileDatabaseOptions(input);
  await withDatabase(options.postgresUrl, null, async (admin) => {
    const { rows } = await admin.query<{ server_version_num: string }>('SHOW server_version_num');
    const canForce = Number(rows[0]?.server_version_num) >= 130_000;
    for (const name of Object.values(options.databases)) {
      if (!canForce) {
        await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
      }
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)}${canForce ? ' WITH (FORCE)' : ''}`);
    }
  });
  options.log(`dropped the databases ${Object.values(options.databases).join(' and ')}`);
}

/** A client of the URL's server, on `database` (null: the URL's own, the admin one), closed after `fn`. */
export async function withDatabase<T>(
  postgresUrl: string,
  database: string | null,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const url = new URL(postgresUrl);
  if (database !== null) url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function runSqlTool(
  binaries: TemporalServerBinaries,
  postgresUrl: string,
  database: string,
  command: string[],
): Promise<void> {
  const { host, port, user, password } = parsePostgresUrl(postgresUrl);
  const args = ['--plugin', 'postgres12', '--endpoint', host, '--port', String(port), '--user', user];
  try {
    // The password through the environment, where `ps` does not show it.
    await execFileAsync(binaries.sqlTool, [...args, '--database', database, ...command], {
      env: { ...process.env, SQL_PASSWORD: password },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    const output = `${stderr ?? ''}${stdout ?? ''}`.trim().split('\n').slice(-20).join('\n');
    throw new Error(`temporal-sql-tool ${command[0]} on ${database} failed:\n${output || errorMessage(error)}`, {
      cause: error,
    });
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
