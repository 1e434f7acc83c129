import { createHmac, timingSafeEqual } from 'node:crypto';
import { isVideoId } from '../media/layout';

/** What a token grants: reading one video's event stream and media. Signed in, so no token can be widened. */
const SCOPE = 'read';

/** A minted token, as the API answers with it. */
export interface MintedToken {
  token: string;
  videoId: string;
  expiresAt: Date;
}

/** Who minted a token: the key's id (its digest's first 16 hex digits), or `none` on an API without keys. */
export type TokenHolder = string;
export const NO_HOLDER = 'none';

/** Why a token was not accepted; `other_video` is a good token for another video. */
export type TokenRefusal = 'malformed' | 'bad_signature' | 'other_video' | 'expired';

export type TokenCheck = { ok: true; holder: TokenHolder } | { ok: false; why: TokenRefusal };

/**
 * Short-lived, read-only tokens scoped to one video, for what cannot send `Authorization`: a browser's EventSource,
 * a `<video>` and the requests hls.js makes. A token is `<video_id>.<expiry, unix seconds>.<holder>.<HMAC-SHA256>`:
 * stateless, so any API instance sharing the secret checks it without asking another, and it dies on its own. The
 * holder (the minting key's id) is signed in, so what a token opens counts against that key's limits.
 */
export class MediaTokens {
  constructor(
    private readonly secret: string,
    readonly ttlSeconds: number,
  ) {}

  mint(videoId: string, holder: TokenHolder = NO_HOLDER, now = new Date()): MintedToken {
    const expires = Math.floor(now.getTime() / 1000) + this.ttlSeconds;
    return {
      token: `${videoId}.${expires}.${holder}.${this.sign(videoId, expires, holder)}`,
      videoId,
      expiresAt: new Date(expires * 1000),
    };
  }

  /** Whether `token` lets its bearer read `videoId` at `now`; the signature is checked before anything it claims. */
  check(token: string, videoId: string, now = new Date()): TokenCheck {
    const match = /^([A-Za-z0-9_-]{1,128})\.(\d{1,12})\.([0-9a-f]{16}|none)\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!match || !isVideoId(match[1]!)) return { ok: false, why: 'malformed' };
    const [, tokenVideo, expiresText, holder, signature] = match as unknown as [string, string, string, string, string];
    const expires = Number(expiresText);
    const expected = Buffer.from(this.sign(tokenVideo, expires, holder));
    if (!timingSafeEqual(Buffer.from(signature), expected)) return { ok: false, why: 'bad_signature' };
    if (tokenVideo !== videoId) return { ok: false, why: 'other_video' };
    if (expires * 1000 <= now.getTime()) return { ok: false, why: 'expired' };
    return { ok: true, holder };
  }

  private sign(videoId: string, expires: number, holder: TokenHolder): string {
    return createHmac('sha256', this.secret).update(`v2:${SCOPE}:${videoId}:${expires}:${holder}`).digest('base64url');
  }
}

/**
 * The requests a token may authorize, and the video each names: that video's event stream and its `/media` files.
 * Nothing else takes a token, whatever it is for.
 */
export function tokenTarget(method: string, path: string): string | null {
  if (method !== 'GET' && method !== 'HEAD') return null;
  const match =
    /^\/api\/v1\/videos\/([^/]+)\/reprocess\/events$/.exec(path) ?? /^\/media\/([^/]+)\/.+$/.exec(path) ?? null;
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return null;
  }
}
