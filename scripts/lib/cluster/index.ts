// A Temporal server of four processes on PostgreSQL, for `npm run cluster` and the scale suite: the names the
// scripts and tests use, whichever file of this folder holds them.
export { prepareDatabases, dropDatabases } from './databases';
export { ClusterStartError } from './errors';
export { TemporalCluster } from './cluster';
export {
  compileClusterOptions,
  compileDatabaseOptions,
  DEFAULT_DATABASES,
  DEFAULT_POSTGRES_URL,
  type ClusterOptions,
  type ClusterOptionsInput,
  type DatabaseOptions,
  type DatabaseOptionsInput,
} from './options';
export { DEFAULT_CLUSTER_PORTS, pickFreePorts, type ClusterPorts } from './ports';
export { TEMPORAL_SERVICES, type TemporalService } from './services';
export { TemporalUi, type TemporalUiOptions } from './ui';
