import type { ActivityDeps } from './deps';
import { createProbe } from './probe';

export type { ActivityDeps } from './deps';

/** Builds the activities with their dependencies; the workflow proxies `ReturnType<typeof createActivities>`. */
export function createActivities(deps: ActivityDeps) {
  return {
    probe: createProbe(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
