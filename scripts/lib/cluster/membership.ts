import { withDatabase } from './databases';
import { ClusterStartError } from './errors';
import type { ClusterOptions } from './options';
import type { Poll } from './readiness';
import type { TemporalService } from './services';

/** Polls until `service`, started at `since`, has recorded itself in the main database's cluster_membership. */
export async function awaitMember(
  options: ClusterOptions,
  service: TemporalService,
  since: Date,
  poll: Poll,
): Promise<void> {
  const database = options.databases.main;
  await withDatabase(options.postgresUrl, database, (db) =>
    poll(`The Temporal ${service} service joining the cluster`, async () => {
      const { rowCount } = await db.query(
        'SELECT 1 FROM cluster_membership WHERE rpc_port = $1 AND session_start >= $2::timestamp',
        [options.ports.membership[service], since.toISOString()],
      );
      return Boolean(rowCount);
    }),
  ).catch((error: { code?: string }) => {
    if (error.code !== '3D000') throw error;
    throw new ClusterStartError(`The database ${database} does not exist: prepareDatabases() creates it`, '');
  });
}

/**
 * Deletes the stopped services' membership records. Left there, the next start takes them for members for 20 s
 * more, and on other ports waits for them to answer (close to a minute) before it serves.
 */
export async function forgetMembers(options: ClusterOptions): Promise<void> {
  await withDatabase(options.postgresUrl, options.databases.main, (db) =>
    db.query('DELETE FROM cluster_membership WHERE rpc_address = $1 AND rpc_port = ANY($2::int[])', [
      '127.0.0.1',
      Object.values(options.ports.membership),
    ]),
  ).catch(() => undefined); // No database (any more), no records to forget.
}
