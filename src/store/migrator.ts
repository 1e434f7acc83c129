import { Migrator, NO_MIGRATIONS, type Kysely, type MigrationResult } from 'kysely';
import { migrationProvider, MIGRATIONS } from './migrations';
import type { Database } from './schema';

/** Thrown when a migration fails; names it, and keeps the database's own error as the cause. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(
    readonly migration: string,
    options: { cause: unknown },
  ) {
    super(
      `Migration ${migration} failed: ${String((options.cause as Error | undefined)?.message ?? options.cause)}`,
      options,
    );
  }
}

function migrator(db: Kysely<Database>): Migrator {
  return new Migrator({ db, provider: migrationProvider });
}

/** Applies every pending migration, in order; returns the names applied. */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  return applied(await migrator(db).migrateToLatest());
}

/** Reverts the latest applied migration; returns its name, or nothing when none is applied. */
export async function migrateDown(db: Kysely<Database>): Promise<string[]> {
  return applied(await migrator(db).migrateDown());
}

/** Reverts every migration. For tests and for throwing a catalog away. */
export async function migrateToZero(db: Kysely<Database>): Promise<void> {
  applied(await migrator(db).migrateTo(NO_MIGRATIONS));
}

/** The migrations not yet applied to this database. */
export async function pendingMigrations(db: Kysely<Database>): Promise<string[]> {
  const all = await migrator(db).getMigrations();
  return all.filter((migration) => migration.executedAt === undefined).map((migration) => migration.name);
}

export const MIGRATION_NAMES = Object.keys(MIGRATIONS);

function applied(result: { error?: unknown; results?: MigrationResult[] }): string[] {
  const failed = result.results?.find((migration) => migration.status === 'Error');
  if (result.error) throw new MigrationError(failed?.migrationName ?? 'unknown', { cause: result.error });
  return (result.results ?? []).filter((migration) => migration.status === 'Success').map((m) => m.migrationName);
}
