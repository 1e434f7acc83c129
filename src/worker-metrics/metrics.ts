import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * A worker's own Prometheus metrics (the SDK's come beside them, see server.ts), on a registry of its own so that
 * several workers in one process (tests) never share counters.
 */
export interface WorkerMetrics {
  readonly registry: Registry;
  readonly stepDuration: Histogram<'step' | 'outcome'>;
  readonly attempts: Counter<'step' | 'outcome' | 'failure_type'>;
  readonly retries: Counter<'step' | 'failure_type'>;
  readonly encodeSpeed: Histogram<'step'>;
  readonly mediaSlots: Gauge;
  readonly mediaSlotsInUse: Gauge;
  readonly bytesWritten: Counter;
  readonly webhookAttempts: Counter<'outcome'>;
}

export function createWorkerMetrics(options: { processMetrics?: boolean; mediaSlots: number }): WorkerMetrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'reprocess_worker_' });
  const registers = [registry];
  const metrics: WorkerMetrics = {
    registry,
    stepDuration: new Histogram({
      name: 'reprocess_step_duration_seconds',
      help: 'Duration of one attempt of a step, by step and outcome (completed, failed, cancelled)',
      labelNames: ['step', 'outcome'],
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
      registers,
    }),
    attempts: new Counter({
      name: 'reprocess_step_attempts_total',
      help: 'Attempts of a step by outcome, and for failures the failure type (InvalidMedia, Error, …)',
      labelNames: ['step', 'outcome', 'failure_type'],
      registers,
    }),
    retries: new Counter({
      name: 'reprocess_step_retries_total',
      help:
        'Failed attempts of a step that Temporal retries (while attempts last), by failure type; an attempt lost ' +
        'with its worker is counted by none',
      labelNames: ['step', 'failure_type'],
      registers,
    }),
    encodeSpeed: new Histogram({
      name: 'reprocess_encode_speed_ratio',
      help: 'Media seconds an encode (transcode, audio) did per wall-clock second (× realtime), resumed parts excluded',
      labelNames: ['step'],
      buckets: [0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128],
      registers,
    }),
    mediaSlots: new Gauge({
      name: 'reprocess_media_slots',
      help: 'Media steps this worker runs at once at most (MEDIA_SLOTS; 0 when it serves no media queue)',
      registers,
    }),
    mediaSlotsInUse: new Gauge({
      name: 'reprocess_media_slots_in_use',
      help: 'Media steps running on this worker now',
      registers,
    }),
    bytesWritten: new Counter({
      name: 'reprocess_output_bytes_total',
      help: 'Bytes of outputs this worker published (every file of each published run)',
      registers,
    }),
    webhookAttempts: new Counter({
      name: 'reprocess_webhook_attempts_total',
      help: 'Webhook delivery attempts by outcome: delivered, failed (retried on the schedule), gone (410), refused',
      labelNames: ['outcome'],
      registers,
    }),
  };
  metrics.mediaSlots.set(options.mediaSlots);
  return metrics;
}
