import type { Middleware } from 'koa';
import type { RequestState } from '../context';
import type { ApiMetrics } from '../metrics';

/**
 * Times every request by route pattern (never the raw path, so ids do not explode the label set). Sits outside the
 * error middleware, so the status it records is the one the client got.
 */
export function observeRequests(metrics: ApiMetrics): Middleware<RequestState> {
  return async (ctx, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const route = (ctx as { _matchedRoute?: unknown })._matchedRoute;
      metrics.httpDuration.observe(
        { method: ctx.method, route: typeof route === 'string' ? route : 'unmatched', status: String(ctx.status) },
        (performance.now() - started) / 1000,
      );
    }
  };
}
