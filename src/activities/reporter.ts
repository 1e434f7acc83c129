import { Context } from '@temporalio/activity';
import { ProgressThrottle, type StepName, type SubtaskProgressReport } from '../progress';
import type { ActivityDeps, SignalProgress } from './deps';
import { currentExecution } from './source';

interface RunChannel {
  throttle: ProgressThrottle;
  /** By throttle key (the step, or `step#part` for a part of one): the step, its part and the attempt reporting. */
  reporters: Map<string, { step: StepName; part: number | undefined; attempt: number }>;
  timer: NodeJS.Timeout | undefined;
  users: number;
}

/**
 * Progress reporting for the activities of this worker. Each activity heartbeats (liveness for Temporal, and the
 * fraction as details) on every update; signals to the workflow go through one throttle per run, so steps running
 * side by side in this worker share — coalesce — their signals, and a run's signal count does not grow with the
 * video's length.
 */
export function createProgressReporter(signalProgress: SignalProgress, observe?: ActivityDeps['observe']) {
  const channels = new Map<string, RunChannel>();

  function channelFor(runId: string): RunChannel {
    let channel = channels.get(runId);
    if (!channel) {
      channel = { throttle: new ProgressThrottle(), reporters: new Map(), timer: undefined, users: 0 };
      channels.set(runId, channel);
    }
    return channel;
  }

  function flush(workflowId: string, runId: string, channel: RunChannel): void {
    clearTimeout(channel.timer);
    channel.timer = undefined;
    const at = new Date().toISOString();
    // One signal per step: the parts of a step running on this worker (chunks) travel together.
    const byStep = new Map<StepName, SubtaskProgressReport>();
    for (const { step: key, fraction } of channel.throttle.take(Date.now())) {
      const reporter = channel.reporters.get(key);
      if (reporter === undefined) continue;
      const { step, part, attempt } = reporter;
      if (part === undefined) {
        byStep.set(step, { step, attempt, fraction, at });
        continue;
      }
      const report = byStep.get(step) ?? { step, attempt: 0, fraction: 0, at, parts: [] };
      report.attempt = Math.max(report.attempt, attempt);
      report.parts?.push({ part, attempt, fraction });
      byStep.set(step, report);
    }
    for (const report of byStep.values()) {
      // Best effort: a lost progress signal is repaired by the next one, and the step's result is what counts.
      signalProgress(workflowId, runId, report).catch(() => undefined);
    }
  }

  /**
   * Starts tracking the current activity — a step, or one part of a step (`part`: a chunk of the transcode, whose
   * `share` is the part's own share of the run) — and returns its update function and a release for when it ends.
   */
  return function track(step: StepName, share: number, part?: number) {
    const context = Context.current();
    const { workflowId, runId } = currentExecution();
    const channel = channelFor(runId);
    channel.users += 1;
    const { attempt } = context.info;
    const key = part === undefined ? step : `${step}#${part}`;
    /** What a report of this activity says of itself: as a part, the part's own attempt and fraction. */
    const about = (fraction: number) =>
      part === undefined ? { attempt, fraction } : { attempt, fraction: 0, parts: [{ part, attempt, fraction }] };
    channel.reporters.set(key, { step, part, attempt });
    const previousDetails = context.info.heartbeatDetails as { fraction?: unknown; resume?: unknown } | undefined;
    const previous = previousDetails?.fraction;
    if (typeof previous === 'number') channel.throttle.resumeFrom(key, previous);
    if (attempt > 1) {
      // Say at once that a retry started: the workflow shows `retrying` and holds the step's percentage meanwhile.
      const report = { step, ...about(0), at: new Date().toISOString() };
      signalProgress(workflowId, runId, report).catch(() => undefined);
    }

    let best = typeof previous === 'number' ? previous : 0;
    // A step that can resume (transcode) keeps its resume point here; it rides along in every heartbeat.
    let resume: unknown = previousDetails?.resume;
    const heartbeat = () => context.heartbeat(resume === undefined ? { fraction: best } : { fraction: best, resume });
    const update = (fraction: number) => {
      observe?.(runId, step, fraction, part === undefined ? undefined : { part, share });
      // The details keep the highest fraction any attempt reached: the next attempt starts its signals from there.
      best = Math.max(best, fraction);
      heartbeat();
      channel.throttle.offer(key, fraction, share);
      const due = channel.throttle.dueIn(Date.now());
      if (due === 0) flush(workflowId, runId, channel);
      else if (due !== Infinity && channel.timer === undefined) {
        channel.timer = setTimeout(() => flush(workflowId, runId, channel), due);
      }
    };
    /** Records how far the step has got for good, so that a retry after a crash can start there. */
    const checkpoint = (point: unknown) => {
      resume = point;
      heartbeat();
    };
    /** Tells the client something about this attempt at once (e.g. where a retry resumed), outside the throttle. */
    const announce = (message: string, fraction: number) => {
      const report = { step, ...about(fraction), message, at: new Date().toISOString() };
      signalProgress(workflowId, runId, report).catch(() => undefined);
    };
    const release = () => {
      channel.users -= 1;
      if (channel.users > 0) return;
      clearTimeout(channel.timer);
      channels.delete(runId);
    };
    return { update, release, checkpoint, announce, previousDetails, attempt };
  };
}

export type ProgressReporter = ReturnType<typeof createProgressReporter>;
