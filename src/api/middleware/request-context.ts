import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../../logger';
import type { RequestState } from '../context';

// A client's id is echoed only when it is short and printable, so it cannot break logs or headers.
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Accepts or makes the X-Request-Id, returns it, and gives the request a child logger bound to it. */
export function requestContext(logger: Logger): Middleware<RequestState> {
  return async (ctx, next) => {
    const offered = ctx.get('X-Request-Id');
    const requestId = CLIENT_REQUEST_ID.test(offered) ? offered : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.log = logger.child({ request_id: requestId });
    ctx.set('X-Request-Id', requestId);
    const started = performance.now();
    try {
      await next();
    } finally {
      ctx.state.log.info(
        { method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started) },
        'request',
      );
    }
  };
}
