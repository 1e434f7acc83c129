import { ApiError } from '../errors';
import type { ApiMetrics } from '../metrics';
import type { ReadinessResponse } from '../models';
import type { ApiRouter } from '../operations';

type CheckResult = ReadinessResponse['checks'][string];

/** A dependency the API needs to take traffic; `check` rejects when it cannot be reached. */
export interface ReadinessProbe {
  name: string;
  check(): Promise<void>;
}

export interface OpsRoutesDeps {
  readiness: readonly ReadinessProbe[];
  metrics: ApiMetrics;
}

/** Liveness (the process answers), readiness (its dependencies answer) and Prometheus metrics. */
export function opsRoutes({ readiness, metrics }: OpsRoutesDeps, router: ApiRouter): void {
  router.get(
    '/healthz',
    {
      operationId: 'health',
      tag: 'operations',
      summary: 'Liveness: the process answers',
      success: { status: 200, description: 'Alive', model: 'HealthResponse' },
      errors: [],
      auth: false,
    },
    (ctx) => {
      ctx.body = { status: 'ok' };
    },
  );

  router.get(
    '/readyz',
    {
      operationId: 'readiness',
      tag: 'operations',
      summary: 'Readiness: the dependencies answer',
      success: { status: 200, description: 'Ready', model: 'ReadinessResponse' },
      errors: ['NOT_READY'],
    },
    async (ctx) => {
      const results = await Promise.all(
        readiness.map(async (probe): Promise<[string, CheckResult]> => {
          const started = performance.now();
          try {
            await probe.check();
            return [probe.name, { ok: true, ms: elapsed(started) }];
          } catch (error) {
            // Names the failing dependency and its catalogue code, never the internals (addresses, stack traces).
            const code = error instanceof ApiError ? error.code : 'INTERNAL_ERROR';
            return [probe.name, { ok: false, ms: elapsed(started), error: code }];
          }
        }),
      );
      const checks: Record<string, CheckResult> = Object.fromEntries(results);
      const failing = results.filter(([, result]) => !result.ok).map(([name]) => name);
      if (failing.length > 0) {
        throw new ApiError('NOT_READY', `Not ready: ${failing.join(', ')} unreachable`, { checks });
      }
      const body: ReadinessResponse = { status: 'ready', checks };
      ctx.body = body;
    },
  );

  router.get(
    '/metrics',
    {
      operationId: 'metrics',
      tag: 'operations',
      summary: 'Prometheus metrics',
      success: { status: 200, description: 'Prometheus text exposition format', media: 'text/plain' },
      errors: [],
    },
    async (ctx) => {
      ctx.type = metrics.registry.contentType;
      ctx.body = await metrics.registry.metrics();
    },
  );
}

const elapsed = (started: number) => Math.round(performance.now() - started);
