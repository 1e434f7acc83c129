import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import type { RequestState } from '../context';
import { ApiError } from '../errors';

/** Routes a load balancer or orchestrator probes without credentials. */
const OPEN_PATHS = new Set(['/healthz']);

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * `Authorization: Bearer <key>` against the configured keys, on every route but /healthz. Keys are compared as
 * SHA-256 digests with timingSafeEqual, against every key whatever matched, so neither a key's length nor which key
 * matched shows in the timing. No keys configured means no check (the server then binds to loopback only).
 */
export function requireApiKey(apiKeys: readonly string[]): Middleware<RequestState> {
  const accepted = apiKeys.map(digest);
  return async (ctx, next) => {
    ctx.state.client = `address:${ctx.req.socket.remoteAddress ?? 'unknown'}`;
    if (accepted.length === 0 || OPEN_PATHS.has(ctx.path)) {
      await next();
      return;
    }
    const match = /^Bearer ([^\s]+)$/i.exec(ctx.get('Authorization'));
    const offered = match ? digest(match[1]!) : null;
    let valid = false;
    if (offered) for (const key of accepted) valid = timingSafeEqual(offered, key) || valid;
    if (!valid || !offered) {
      ctx.set('WWW-Authenticate', 'Bearer realm="reprocess"');
      throw new ApiError('UNAUTHORIZED', match ? 'The API key is not valid' : undefined);
    }
    // Each key is one client, from wherever it connects; the digest's prefix names it without holding the key.
    ctx.state.client = `key:${offered.toString('hex').slice(0, 16)}`;
    await next();
  };
}
