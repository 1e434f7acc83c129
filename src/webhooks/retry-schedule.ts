/**
 * When to try a delivery again (Standard Webhooks' schedule): at once, then after 5 s, 5 min, 30 min, 2 h, 5 h,
 * 10 h and 10 h — eight attempts over about 28 hours. The delay before attempt k + 1 is entry k.
 */
export const STANDARD_RETRY_SCHEDULE_MS: readonly number[] = [
  0,
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
];

/** The longest a receiver's Retry-After is waited for: the schedule's own longest gap. */
export const MAX_RETRY_AFTER_MS = 10 * 3_600_000;

/** A Retry-After header in milliseconds from `now` (delta-seconds or an HTTP date), or null when absent or bad. */
export function retryAfterMs(header: string | undefined, now: number): number | null {
  if (header === undefined || header.trim() === '') return null;
  const value = header.trim();
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
  if (!Number.isFinite(ms)) return null;
  return Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS);
}
