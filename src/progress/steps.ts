/**
 * The step catalogue: every step a run can have, in pipeline order, with the weight it carries in the overall
 * percentage before the probe tells us what the real costs are.
 */
export const STEP_NAMES = ['probe', 'thumbnails', 'transcode', 'audio', 'scenes', 'publish'] as const;

export type StepName = (typeof STEP_NAMES)[number];

/** Steps that always run, whatever the request asks for. */
export const MANDATORY_STEPS: readonly StepName[] = ['probe', 'publish'];

/** Before the probe: a 60-second 720p-ish video's costs (see weights.ts), so the probe's share barely moves after it. */
export const DEFAULT_STEP_WEIGHTS: Readonly<Record<StepName, number>> = {
  probe: 0.5,
  thumbnails: 3,
  transcode: 100,
  audio: 2,
  scenes: 6,
  publish: 0.2,
};

/** The steps that run side by side between probe and publish. */
export const MEDIA_STEPS = ['thumbnails', 'transcode', 'audio', 'scenes'] as const satisfies readonly StepName[];
export type MediaStepName = (typeof MEDIA_STEPS)[number];

export function isStepName(value: string): value is StepName {
  return (STEP_NAMES as readonly string[]).includes(value);
}

/** The steps a run performs: the mandatory ones plus those asked for (all of them when nothing was asked), in catalogue order. */
export function selectSteps(requested: readonly StepName[] | undefined): StepName[] {
  if (requested === undefined || requested.length === 0) return [...STEP_NAMES];
  const wanted = new Set<StepName>([...MANDATORY_STEPS, ...requested]);
  return STEP_NAMES.filter((step) => wanted.has(step));
}
