import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import type { ApiContext, RequestState } from '../context';
import { ApiError } from '../errors';
import { tokenTarget, type MediaTokens } from '../media-tokens';

const digest = (value: string) => createHash('sha256').update(value).digest();

export interface ApiKeyOptions {
  apiKeys: readonly string[];
  /** Paths served without a key: probes, and the dashboard's page and assets (the page asks for the key). */
  isPublic: (path: string) => boolean;
  /** Media tokens, accepted instead of a key on a video's event stream and media files only. */
  tokens: MediaTokens;
}

/**
 * `Authorization: Bearer <key>` against the configured keys, on every route but the public ones. Keys are compared as
 * SHA-256 digests with timingSafeEqual, against every key whatever matched, so neither a key's length nor which key
 * matched shows in the timing. Without a header, a `token` query parameter is taken where a browser cannot send one
 * (see MediaTokens). No keys configured means no check (the server then binds to loopback only).
 */
export function requireApiKey({ apiKeys, isPublic, tokens }: ApiKeyOptions): Middleware<RequestState> {
  const accepted = apiKeys.map(digest);
  return async (ctx, next) => {
    ctx.state.client = `address:${ctx.req.socket.remoteAddress ?? 'unknown'}`;
    if (accepted.length === 0 || isPublic(ctx.path)) {
      await next();
      return;
    }
    const authorization = ctx.get('Authorization');
    const token = typeof ctx.query['token'] === 'string' ? ctx.query['token'] : null;
    if (authorization === '' && token !== null) {
      checkToken(ctx, tokens, token);
      await next();
      return;
    }
    const match = /^Bearer ([^\s]+)$/i.exec(authorization);
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

/** A token where one is taken, for the video the path names; every refusal is a 401 saying what to do. */
function checkToken(ctx: ApiContext, tokens: MediaTokens, token: string): void {
  const videoId = tokenTarget(ctx.method, ctx.path);
  ctx.set('WWW-Authenticate', 'Bearer realm="reprocess"');
  if (videoId === null) {
    throw new ApiError(
      'UNAUTHORIZED',
      "A media token is accepted only on a video's event stream and /media files; send Authorization: Bearer <key>",
    );
  }
  const checked = tokens.check(token, videoId);
  if (!checked.ok) {
    if (checked.why === 'expired') throw new ApiError('TOKEN_EXPIRED', undefined, { video_id: videoId });
    throw new ApiError(
      'TOKEN_INVALID',
      checked.why === 'other_video' ? 'This media token is for another video' : undefined,
      { video_id: videoId },
    );
  }
  // What a token opens counts against the key that minted it, as if that key had asked.
  ctx.state.client = `key:${checked.holder}`;
}
