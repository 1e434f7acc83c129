/**
 * Seconds left, extrapolated from the observed rate since `startedAt`. Null while the rate is unknown (nothing done
 * yet) or meaningless (already done). Needs real time, so the API calls it, never the workflow's query handler.
 */
export function etaSeconds(fraction: number, startedAt: string | null, now: number): number | null {
  if (startedAt === null || fraction <= 0 || fraction >= 1) return null;
  const elapsedMs = now - Date.parse(startedAt);
  if (!Number.isFinite(elapsedMs) || elapsedMs <= 0) return null;
  return Math.max(0, Math.round(((elapsedMs / fraction) * (1 - fraction)) / 1000));
}
