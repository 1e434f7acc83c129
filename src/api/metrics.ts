import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The API's Prometheus metrics, on a registry of its own so that several apps in one process (tests) never share
 * counters.
 */
export interface ApiMetrics {
  readonly registry: Registry;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly starts: Counter<'outcome'>;
  readonly queryDuration: Histogram<'outcome'>;
  readonly staleAnswers: Counter<'reason'>;
  readonly eventClients: Gauge;
  readonly eventPollers: Gauge;
}

export function createMetrics(options: { processMetrics?: boolean } = {}): ApiMetrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'reprocess_' });
  const registers = [registry];
  return {
    registry,
    httpDuration: new Histogram({
      name: 'reprocess_http_request_duration_seconds',
      help: 'HTTP request duration by route pattern, method and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    starts: new Counter({
      name: 'reprocess_run_starts_total',
      help: 'Run starts by outcome: accepted, refused (a run was already open) or failed',
      labelNames: ['outcome'],
      registers,
    }),
    queryDuration: new Histogram({
      name: 'reprocess_progress_query_duration_seconds',
      help: "Latency of the workflow's progress query, by outcome (answered or unanswered)",
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
      registers,
    }),
    staleAnswers: new Counter({
      name: 'reprocess_stale_answers_total',
      help: 'Progress answers not from the live workflow, by reason',
      labelNames: ['reason'],
      registers,
    }),
    eventClients: new Gauge({
      name: 'reprocess_event_stream_clients',
      help: 'Open server-sent event streams',
      registers,
    }),
    eventPollers: new Gauge({
      name: 'reprocess_event_stream_pollers',
      help: 'Videos being polled for event streams: one poller per video, however many clients follow it',
      registers,
    }),
  };
}
