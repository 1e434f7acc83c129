/**
 * The Temporal server settings under which runs a batch starts (priority key 5) yield to a person's: the new matcher,
 * which alone honours priority keys in this server version, and task queues of one partition, since priority orders
 * tasks only within a partition (with the default 4, a worker's poll reaching a partition that holds only batch tasks
 * takes one of them). Measured by `npm run bench:priority`; see docs/decisions.md.
 */
export const PRIORITY_DYNAMIC_CONFIG: ReadonlyArray<readonly [key: string, value: boolean | number]> = [
  ['matching.useNewMatcher', true],
  ['matching.numTaskqueueReadPartitions', 1],
  ['matching.numTaskqueueWritePartitions', 1],
];

/** The same settings as `temporal server start-dev` arguments. */
export function priorityDevServerArgs(settings = PRIORITY_DYNAMIC_CONFIG): string[] {
  return settings.flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]);
}

/** The same settings as the server's dynamic config file (YAML), for every namespace and task queue. */
export function priorityDynamicConfigYaml(settings = PRIORITY_DYNAMIC_CONFIG): string {
  return settings.map(([key, value]) => `${key}:\n  - value: ${JSON.stringify(value)}\n`).join('');
}
