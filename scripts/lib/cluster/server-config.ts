import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ClusterOptions } from './options';
import { parsePostgresUrl } from './postgres-url';
import type { TemporalService } from './services';
import { priorityDynamicConfigYaml } from '../task-priority';

/** The environment name of the config files (config/<env>.yaml) written for the server and the UI. */
export const CONFIG_ENV = 'reprocess';

/** The server's defaults but task priority, so runs a batch starts yield to a person's (docs/decisions.md). */
const DYNAMIC_CONFIG = `# The Temporal server's dynamic config, read again every 10 s while it runs; settings not here keep their defaults.
# Task queues honour task priority (priority keys) only with the new matcher in this server version, and only within
# a partition: one partition per task queue.
${priorityDynamicConfigYaml()}`;

/** Writes the server's config/ folder under `options.dir`. */
export async function writeServerConfig(options: ClusterOptions): Promise<void> {
  const configDir = path.join(options.dir, 'config');
  await fs.mkdir(configDir, { recursive: true });
  const dynamicConfig = path.join(configDir, 'dynamicconfig.yaml');
  // Kept when there: whoever runs the cluster may tune it, and the server reads changes while it runs.
  await fs
    .writeFile(dynamicConfig, DYNAMIC_CONFIG, { flag: 'wx' })
    .catch((error: NodeJS.ErrnoException) => (error.code === 'EEXIST' ? undefined : Promise.reject(error)));
  // JSON is YAML; it holds the password, so only its owner reads it.
  const config = JSON.stringify(serverConfig(options, dynamicConfig), null, 2);
  await fs.writeFile(path.join(configDir, `${CONFIG_ENV}.yaml`), `${config}\n`, { mode: 0o600 });
  await fs.chmod(path.join(configDir, `${CONFIG_ENV}.yaml`), 0o600);
}

/** The server's config, shaped after the module's config/development-postgres12.yaml. */
function serverConfig(options: ClusterOptions, dynamicConfigPath: string): object {
  const postgres = parsePostgresUrl(options.postgresUrl);
  const sql = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${postgres.host}:${postgres.port}`,
      connectProtocol: 'tcp',
      user: postgres.user,
      password: postgres.password,
      // Four processes each hold a pool; PostgreSQL allows 100 connections by default, and a test cluster may run
      // beside this one.
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const { ports } = options;
  const rpc = (service: TemporalService, grpcPort: number, extra: object = {}) => ({
    rpc: { grpcPort, membershipPort: ports.membership[service], bindOnLocalHost: true, ...extra },
  });
  return {
    log: { stdout: true, level: options.logLevel, format: 'console' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      // Fixed for the life of the database: changing it needs new databases.
      numHistoryShards: 4,
      datastores: {
        'postgres-default': sql(options.databases.main, 10),
        'postgres-visibility': sql(options.databases.visibility, 2),
      },
    },
    // No metrics and no pprof listeners: each would take one more fixed port.
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: {
      frontend: rpc('frontend', ports.frontend, { httpPort: ports.frontendHttp }),
      history: rpc('history', ports.history),
      matching: rpc('matching', ports.matching),
      worker: rpc('worker', ports.worker),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `127.0.0.1:${ports.frontend}`,
          httpAddress: `127.0.0.1:${ports.frontendHttp}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: dynamicConfigPath, pollInterval: '10s' },
  };
}
