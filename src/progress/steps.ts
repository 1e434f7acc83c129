/**
 * The step catalogue: every step a run can have, in pipeline order, with the weight it carries in the overall
 * percentage before the probe tells us what the real costs are.
 */
export const STEP_NAMES = ['probe'] as const;

export type StepName = (typeof STEP_NAMES)[number];

/** Steps that always run, whatever the request asks for. */
export const MANDATORY_STEPS: readonly StepName[] = ['probe'];

export const DEFAULT_STEP_WEIGHTS: Readonly<Record<StepName, number>> = { probe: 1 };

export function isStepName(value: string): value is StepName {
  return (STEP_NAMES as readonly string[]).includes(value);
}

/** The steps a run performs: the mandatory ones plus those asked for (all of them when nothing was asked), in catalogue order. */
export function selectSteps(requested: readonly StepName[] | undefined): StepName[] {
  if (requested === undefined || requested.length === 0) return [...STEP_NAMES];
  const wanted = new Set<StepName>([...MANDATORY_STEPS, ...requested]);
  return STEP_NAMES.filter((step) => wanted.has(step));
}
