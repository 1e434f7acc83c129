import type { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { createWorkerMetrics, meteredActivities } from '../../src/worker-metrics';
import { outcomeOf } from '../../src/worker-metrics/interceptor';

function contextOf(activityType: string, attempt: number, taskQueue: string, aborted = false): Context {
  return { info: { activityType, attempt, taskQueue }, cancellationSignal: { aborted } } as unknown as Context;
}

async function value(metrics: ReturnType<typeof createWorkerMetrics>, name: string, labels: Record<string, string>) {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const found = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return found?.value ?? 0;
}

describe('worker metrics', () => {
  it('names how an attempt ended: cancelled, or failed with its failure type', () => {
    expect(outcomeOf(new CancelledFailure('x'), false)).toEqual({ outcome: 'cancelled', failureType: '' });
    expect(outcomeOf(new Error('killed'), true)).toEqual({ outcome: 'cancelled', failureType: '' });
    expect(outcomeOf(ApplicationFailure.nonRetryable('bad', 'InvalidMedia'), false)).toEqual({
      outcome: 'failed',
      failureType: 'InvalidMedia',
    });
    expect(outcomeOf(new TypeError('oops'), false)).toEqual({ outcome: 'failed', failureType: 'TypeError' });
  });

  it('counts attempts, retries and failures by step, and holds a media slot only while a media attempt runs', async () => {
    const metrics = createWorkerMetrics({ mediaSlots: 2 });
    const meter = meteredActivities(metrics, 'q-media');
    const args = [{ videoId: 'v', info: { durationSeconds: 10 } }];
    let inUse = -1;
    const failing = meter(contextOf('transcode', 1, 'q-media')).inbound!.execute!({ args, headers: {} }, async () => {
      inUse = (await metrics.mediaSlotsInUse.get()).values[0]?.value ?? -1;
      throw ApplicationFailure.retryable('ffmpeg died', 'FfmpegCrash');
    });
    await expect(failing).rejects.toThrow('ffmpeg died');
    expect(inUse).toBe(1);
    await meter(contextOf('transcode', 2, 'q-media')).inbound!.execute!({ args, headers: {} }, () =>
      Promise.resolve({ master: 'master.m3u8' }),
    );
    await meter(contextOf('publish', 1, 'q')).inbound!.execute!({ args: [{ videoId: 'v' }], headers: {} }, () =>
      Promise.resolve({ bytes: 1234 }),
    );
    expect(await value(metrics, 'reprocess_step_attempts_total', { step: 'transcode', outcome: 'failed' })).toBe(1);
    expect(
      await value(metrics, 'reprocess_step_attempts_total', { step: 'transcode', failure_type: 'FfmpegCrash' }),
    ).toBe(1);
    expect(await value(metrics, 'reprocess_step_attempts_total', { step: 'transcode', outcome: 'completed' })).toBe(1);
    expect(await value(metrics, 'reprocess_step_retries_total', { step: 'transcode' })).toBe(1);
    expect(await value(metrics, 'reprocess_step_retries_total', { step: 'publish' })).toBe(0);
    expect(await value(metrics, 'reprocess_media_slots_in_use', {})).toBe(0);
    expect(await value(metrics, 'reprocess_media_slots', {})).toBe(2);
    expect(await value(metrics, 'reprocess_output_bytes_total', {})).toBe(1234);
  });
});
