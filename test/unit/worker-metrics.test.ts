import type { Context } from '@temporalio/activity';
import { ActivityCancellationDetails, ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { createWorkerMetrics, meteredActivities } from '../../src/worker-metrics';
import { encodedSeconds, outcomeOf } from '../../src/worker-metrics/interceptor';

function contextOf(activityType: string, attempt: number): Context {
  return { info: { activityType, attempt, taskQueue: 'q' }, cancellationDetails: undefined } as unknown as Context;
}

async function value(metrics: ReturnType<typeof createWorkerMetrics>, name: string, labels: Record<string, string>) {
  // A histogram's samples are named after it with _count, _sum and _bucket.
  const samples = (await metrics.registry.getMetricsAsJSON()).flatMap((m) =>
    m.values.map((v) => ({ ...v, name: (v as { metricName?: string }).metricName ?? m.name })),
  );
  const found = samples.find((v) => v.name === name && Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return found?.value ?? 0;
}

describe('worker metrics', () => {
  it('names how an attempt ended: cancelled only when asked, else failed with its type', () => {
    const details = (options: ConstructorParameters<typeof ActivityCancellationDetails>[0]) =>
      new ActivityCancellationDetails(options);
    expect(outcomeOf(new Error('x'), details({ cancelRequested: true }))).toMatchObject({ outcome: 'cancelled' });
    expect(outcomeOf(new CancelledFailure('x'), undefined)).toMatchObject({ outcome: 'cancelled' });
    expect(outcomeOf(new Error('x'), details({ timedOut: true }))).toEqual({
      outcome: 'failed',
      failureType: 'TimedOut',
      retryable: true,
    });
    expect(outcomeOf(new Error('x'), details({ workerShutdown: true }))).toMatchObject({
      failureType: 'WorkerShutdown',
    });
    expect(outcomeOf(ApplicationFailure.create({ message: 'bad', type: 'InvalidMedia' }), undefined)).toEqual({
      outcome: 'failed',
      failureType: 'InvalidMedia',
      retryable: false,
    });
    expect(outcomeOf(new TypeError('oops'), undefined)).toEqual({
      outcome: 'failed',
      failureType: 'TypeError',
      retryable: true,
    });
  });

  it('counts the speed of encodes only: not of skipped steps, nor of the part a resumed attempt kept', () => {
    const args = [{ info: { durationSeconds: 60 } }];
    expect(encodedSeconds('transcode', args, { resumes: [] }, 1)).toBe(60);
    expect(encodedSeconds('transcode', args, { resumes: [{ attempt: 2, seconds: 24 }] }, 2)).toBe(36);
    expect(encodedSeconds('audio', args, { skipped: true, reason: 'no audio' }, 1)).toBeNull();
    expect(encodedSeconds('thumbnails', args, {}, 1)).toBeNull();
    // A chunk counts its own seconds, less what an earlier attempt left of it where this one resumed.
    const chunk = [{ info: { durationSeconds: 60 }, chunk: { startSeconds: 20, seconds: 16 } }];
    expect(encodedSeconds('transcodeChunk', chunk, { resumes: [] }, 1)).toBe(16);
    expect(encodedSeconds('transcodeChunk', chunk, { resumes: [{ attempt: 2, seconds: 28 }] }, 2)).toBe(8);
    expect(encodedSeconds('probe', [{ videoId: 'v' }], {}, 1)).toBeNull();
  });

  it('counts attempts and retryable failures by step and type, and holds a media slot only during a media step', async () => {
    const metrics = createWorkerMetrics({ mediaSlots: 2 });
    const meter = meteredActivities(metrics);
    const args = [{ videoId: 'v', info: { durationSeconds: 10 } }];
    const slotsNow = async () => (await metrics.mediaSlotsInUse.get()).values[0]?.value ?? -1;
    let duringTranscode = -1;
    let duringPublish = -1;
    const failing = meter(contextOf('transcode', 1)).inbound!.execute!({ args, headers: {} }, async () => {
      duringTranscode = await slotsNow();
      throw ApplicationFailure.retryable('ffmpeg died', 'FfmpegCrash');
    });
    await expect(failing).rejects.toThrow('ffmpeg died');
    await meter(contextOf('transcode', 2)).inbound!.execute!({ args, headers: {} }, () =>
      Promise.resolve({ master: 'master.m3u8', resumes: [] }),
    );
    await expect(
      meter(contextOf('probe', 1)).inbound!.execute!({ args: [{ videoId: 'v' }], headers: {} }, () =>
        Promise.reject(ApplicationFailure.nonRetryable('not a video', 'InvalidMedia')),
      ),
    ).rejects.toThrow();
    await meter(contextOf('publish', 1)).inbound!.execute!({ args: [{ videoId: 'v' }], headers: {} }, async () => {
      duringPublish = await slotsNow();
      return { bytes: 1234 };
    });
    expect([duringTranscode, duringPublish, await slotsNow()]).toEqual([1, 0, 0]);
    expect(
      await value(metrics, 'reprocess_step_attempts_total', { step: 'transcode', failure_type: 'FfmpegCrash' }),
    ).toBe(1);
    expect(await value(metrics, 'reprocess_step_attempts_total', { step: 'transcode', outcome: 'completed' })).toBe(1);
    expect(await value(metrics, 'reprocess_step_attempts_total', { step: 'probe', failure_type: 'InvalidMedia' })).toBe(
      1,
    );
    expect(
      await value(metrics, 'reprocess_step_retries_total', { step: 'transcode', failure_type: 'FfmpegCrash' }),
    ).toBe(1);
    expect(await value(metrics, 'reprocess_step_retries_total', { step: 'probe' })).toBe(0);
    expect(await value(metrics, 'reprocess_encode_speed_ratio_count', { step: 'transcode' })).toBe(1);
    expect(await value(metrics, 'reprocess_media_slots', {})).toBe(2);
    expect(await value(metrics, 'reprocess_output_bytes_total', {})).toBe(1234);
  });
});
