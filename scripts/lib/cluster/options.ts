import path from 'node:path';
import { allPorts, DEFAULT_CLUSTER_PORTS, MAX_MEMBERSHIP_PORT, type ClusterPorts } from './ports';
import { parsePostgresUrl } from './postgres-url';
import type { TemporalService } from './services';

export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export const DEFAULT_DATABASES = Object.freeze({ main: 'temporal', visibility: 'temporal_visibility' });

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export interface DatabaseOptions {
  /** An account allowed to create databases, e.g. postgres://postgres@127.0.0.1:5432/postgres. */
  postgresUrl: string;
  databases: { main: string; visibility: string };
  log: (message: string) => void;
}

export interface ClusterOptions extends DatabaseOptions {
  ports: ClusterPorts;
  /** Registered, with the ReprocessStage search attribute, once the cluster is up. */
  namespace: string;
  /** Where the server's config/ folder is written; keep it outside the repository. */
  dir: string;
  /** The server's own log level; its output is kept (the last lines of each process) to explain failures. */
  logLevel: (typeof LOG_LEVELS)[number];
  /** How long the services get to answer, at each start. */
  startTimeoutMs: number;
  /** How long a stopped service gets to exit after SIGTERM before it is killed. */
  stopGraceMs: number;
  /** Each line a service prints, as it comes; by default nothing is shown until something fails. */
  onOutput: ((service: TemporalService, line: string) => void) | null;
  /** A service exited without being asked to; by default `log` tells, with its last output. */
  onUnexpectedExit: ((service: TemporalService, why: string, output: string) => void) | null;
}

export type DatabaseOptionsInput = Partial<DatabaseOptions>;
export type ClusterOptionsInput = Partial<ClusterOptions> & Pick<ClusterOptions, 'dir'>;

const DATABASE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Applies the defaults and rejects what PostgreSQL or the server would refuse later, less clearly. */
export function compileDatabaseOptions(input: DatabaseOptionsInput = {}): Readonly<DatabaseOptions> {
  const options: DatabaseOptions = {
    postgresUrl: input.postgresUrl ?? DEFAULT_POSTGRES_URL,
    databases: { ...(input.databases ?? DEFAULT_DATABASES) },
    log: input.log ?? (() => undefined),
  };
  parsePostgresUrl(options.postgresUrl);
  for (const name of Object.values(options.databases)) {
    if (!DATABASE_NAME.test(name)) {
      throw new TypeError(`Invalid database name ${JSON.stringify(name)}: use letters, digits and _ (at most 63)`);
    }
  }
  if (options.databases.main === options.databases.visibility) {
    throw new TypeError('The main and visibility databases must differ');
  }
  return Object.freeze(options);
}

/** As compileDatabaseOptions, with the cluster's own settings. */
export function compileClusterOptions(input: ClusterOptionsInput): Readonly<ClusterOptions> {
  const ports: ClusterPorts = {
    ...(input.ports ?? DEFAULT_CLUSTER_PORTS),
    membership: { ...(input.ports ?? DEFAULT_CLUSTER_PORTS).membership },
  };
  const options: ClusterOptions = {
    ...compileDatabaseOptions(input),
    ports,
    namespace: input.namespace ?? 'default',
    dir: path.resolve(input.dir),
    logLevel: input.logLevel ?? 'warn',
    startTimeoutMs: input.startTimeoutMs ?? 90_000,
    stopGraceMs: input.stopGraceMs ?? 20_000,
    onOutput: input.onOutput ?? null,
    onUnexpectedExit: input.onUnexpectedExit ?? null,
  };
  const all = allPorts(ports).map(([, port]) => port);
  if (all.some((port) => !Number.isInteger(port) || port < 1 || port > 65_535)) {
    throw new TypeError(`Invalid cluster ports ${JSON.stringify(ports)}: each must be 1-65535`);
  }
  if (new Set(all).size !== all.length) throw new TypeError(`Cluster ports must all differ: ${JSON.stringify(ports)}`);
  if (Object.values(ports.membership).some((port) => port > MAX_MEMBERSHIP_PORT)) {
    throw new TypeError(
      `Invalid membership ports ${JSON.stringify(ports.membership)}: the server stores them as SMALLINT, so at most ` +
        `${MAX_MEMBERSHIP_PORT} (pickFreePorts chooses such ports)`,
    );
  }
  if (!/^[A-Za-z0-9._-]{1,255}$/.test(options.namespace)) {
    throw new TypeError(`Invalid namespace ${JSON.stringify(options.namespace)}`);
  }
  if (!LOG_LEVELS.includes(options.logLevel)) {
    throw new TypeError(`Invalid logLevel ${JSON.stringify(options.logLevel)}: expected ${LOG_LEVELS.join(', ')}`);
  }
  return Object.freeze(options);
}
