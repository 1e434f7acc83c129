import { NO_HOLDER, type MediaTokens } from '../media-tokens';
import type { MediaTokenResponse } from '../models';
import { VIDEO_ERRORS, type ApiRouter, type OperationSpec } from '../operations';
import { eventsUrl, type VideoCheck } from '../videos';

const MINT_TOKEN: OperationSpec = {
  operationId: 'mintMediaToken',
  tag: 'dashboard',
  summary: "Mint a media token: read-only access to one video's event stream and /media files, for ~15 minutes",
  description:
    'For what cannot send `Authorization`: a browser EventSource, `<video>` and hls.js pass it as `?token=`. ' +
    'It is refused anywhere else, and for any other video (401 TOKEN_INVALID); once expired, 401 TOKEN_EXPIRED. ' +
    'Signed with MEDIA_TOKEN_SECRET, so every API instance accepts the tokens any of them mints.',
  success: { status: 201, description: 'The token', model: 'MediaTokenResponse' },
  errors: [...VIDEO_ERRORS],
};

/** `POST /api/v1/videos/{video_id}/tokens`: a key holder mints a token for one video. */
export function tokenRoutes(deps: { tokens: MediaTokens; requireVideo: VideoCheck }, router: ApiRouter): void {
  router.post('/api/v1/videos/:video_id/tokens', MINT_TOKEN, async (ctx) => {
    const videoId = ctx.params['video_id'] as string;
    await deps.requireVideo(videoId);
    // The minting key's id (see requireApiKey), so streams opened with the token count against that key.
    const holder = /^key:([0-9a-f]{16})$/.exec(ctx.state.client)?.[1] ?? NO_HOLDER;
    const minted = deps.tokens.mint(videoId, holder);
    const body: MediaTokenResponse = {
      token: minted.token,
      video_id: videoId,
      scope: 'read',
      expires_at: minted.expiresAt.toISOString(),
      expires_in: deps.tokens.ttlSeconds,
      accepted_on: [eventsUrl(videoId), `/media/${videoId}/`],
    };
    ctx.status = 201;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = body;
  });
}
