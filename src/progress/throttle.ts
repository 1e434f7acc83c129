/**
 * Decides when an activity's progress is worth a signal. Throttled by progress, not by time: a signal only once
 * the run's overall fraction moved by `minOverallDelta` since the last one (and at least `minIntervalMs` passed), so
 * a run costs the same number of signals — at most about 1 / minOverallDelta — whatever the video's length, while
 * what clients see lags the truth by less than `minOverallDelta`.
 */
export class ProgressThrottle {
  private lastSentAt = -Infinity;
  private readonly sent = new Map<string, number>();
  private readonly latest = new Map<string, number>();
  private readonly shares = new Map<string, number>();

  constructor(
    private readonly minOverallDelta = 0.015,
    private readonly minIntervalMs = 100,
  ) {}

  /**
   * Starts a step from what an earlier attempt already reported: the workflow holds that fraction anyway, so
   * signalling the new attempt's way back up to it would only spend history.
   */
  resumeFrom(step: string, fraction: number): void {
    if (!(fraction > (this.sent.get(step) ?? 0))) return;
    this.sent.set(step, fraction);
    this.latest.set(step, Math.max(this.latest.get(step) ?? 0, fraction));
  }

  /** Records a step's fraction and its share (0..1) of the run's total weight. */
  offer(step: string, fraction: number, share: number): void {
    this.latest.set(step, fraction);
    if (!this.shares.has(step)) this.shares.set(step, share);
  }

  /** How far the overall fraction moved since the last signal, from the steps' latest fractions. */
  pendingDelta(): number {
    let delta = 0;
    for (const [step, fraction] of this.latest) {
      delta += (this.shares.get(step) ?? 0) * Math.max(0, fraction - (this.sent.get(step) ?? 0));
    }
    return delta;
  }

  /** Milliseconds until a signal is due: 0 = now, Infinity = not yet worth one. */
  dueIn(now: number): number {
    if (this.pendingDelta() < this.minOverallDelta) return Infinity;
    return Math.max(0, this.lastSentAt + this.minIntervalMs - now);
  }

  /** The steps whose fraction moved since they were last sent; marks them sent. */
  take(now: number): { step: string; fraction: number }[] {
    const changed: { step: string; fraction: number }[] = [];
    for (const [step, fraction] of this.latest) {
      if (fraction > (this.sent.get(step) ?? 0)) {
        changed.push({ step, fraction });
        this.sent.set(step, fraction);
      }
    }
    this.lastSentAt = now;
    return changed;
  }
}
