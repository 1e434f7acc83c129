import type { Middleware } from 'koa';
import { ApiError, asApiError } from '../errors';
import type { RequestState } from '../context';
import { closeAfterAnswer } from '../linger';
import type { ErrorEnvelope } from '../models';

/** Renders every error, thrown or routed, in the one envelope; logs 5xx once, with their cause. */
export function errorEnvelope(): Middleware<RequestState> {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new ApiError('ROUTE_NOT_FOUND');
    } catch (thrown) {
      const error = asApiError(fromKoa(thrown));
      if (error.status >= 500) ctx.state.log.error({ err: error.cause ?? error, code: error.code }, 'request failed');
      const body: ErrorEnvelope = {
        error: {
          code: error.code,
          message: error.message,
          ...(error.details ? { details: error.details } : {}),
          request_id: ctx.state.requestId,
        },
      };
      ctx.status = error.status;
      ctx.body = body;
      if (error.status === 503) ctx.set('Retry-After', '5');
      closeAfterAnswer(ctx);
    }
  };
}

/** Koa's own errors (ctx.throw, router 405/501) carry an HTTP status; keep their meaning in our codes. */
function fromKoa(error: unknown): unknown {
  if (error instanceof ApiError) return error;
  const status = (error as { status?: unknown } | null)?.status;
  if (status === 405 || status === 501) return new ApiError('METHOD_NOT_ALLOWED');
  if (status === 404) return new ApiError('ROUTE_NOT_FOUND');
  return error;
}
