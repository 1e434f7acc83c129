import { MediaTokens, tokenTarget } from '../../src/api/media-tokens';

const SECRET = 'a-secret-of-at-least-thirty-two-characters';
const NOW = new Date('2026-12-06T12:00:00Z');
const HOLDER = '0123456789abcdef';

describe('MediaTokens', () => {
  const tokens = new MediaTokens(SECRET, 900);

  it('mints a token that reads its own video until it expires', () => {
    const minted = tokens.mint('clip-1', HOLDER, NOW);
    expect(minted.expiresAt.toISOString()).toBe('2026-12-06T12:15:00.000Z');
    expect(tokens.check(minted.token, 'clip-1', NOW)).toEqual({ ok: true, holder: HOLDER });
    expect(tokens.check(minted.token, 'clip-1', new Date(NOW.getTime() + 899_000))).toEqual({
      ok: true,
      holder: HOLDER,
    });
  });

  it('refuses it once expired', () => {
    const { token } = tokens.mint('clip-1', HOLDER, NOW);
    expect(tokens.check(token, 'clip-1', new Date(NOW.getTime() + 900_000))).toEqual({ ok: false, why: 'expired' });
  });

  it('refuses it for another video', () => {
    const { token } = tokens.mint('clip-1', HOLDER, NOW);
    expect(tokens.check(token, 'clip-2', NOW)).toEqual({ ok: false, why: 'other_video' });
  });

  it('refuses a token whose video or expiry was changed, or that another secret signed', () => {
    const { token } = tokens.mint('clip-1', HOLDER, NOW);
    const [video, expires, holder, signature] = token.split('.') as [string, string, string, string];
    expect(tokens.check(`clip-2.${expires}.${holder}.${signature}`, 'clip-2', NOW)).toEqual({
      ok: false,
      why: 'bad_signature',
    });
    expect(tokens.check(`${video}.${expires}.fedcba9876543210.${signature}`, 'clip-1', NOW)).toEqual({
      ok: false,
      why: 'bad_signature',
    });
    expect(tokens.check(`${video}.${Number(expires) + 3600}.${holder}.${signature}`, 'clip-1', NOW)).toEqual({
      ok: false,
      why: 'bad_signature',
    });
    const other = new MediaTokens('another-secret-of-thirty-two-characters!', 900).mint('clip-1', HOLDER, NOW);
    expect(tokens.check(other.token, 'clip-1', NOW)).toEqual({ ok: false, why: 'bad_signature' });
  });

  it.each([
    '',
    'x',
    'clip-1.123',
    'clip-1.123.none.short',
    'clip-1.123.NOTHEX0123456789.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    '../etc.1.none.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  ])('refuses the malformed token %j', (token) => {
    expect(tokens.check(token, 'clip-1', NOW)).toEqual({ ok: false, why: 'malformed' });
  });
});

describe('tokenTarget', () => {
  it.each([
    ['GET', '/api/v1/videos/clip-1/reprocess/events', 'clip-1'],
    ['GET', '/media/clip-1/current/master.m3u8', 'clip-1'],
    ['HEAD', '/media/clip-1/runs/r1/720p/segment_00001.ts', 'clip-1'],
  ])('lets a token read %s %s (video %s)', (method, path, video) => {
    expect(tokenTarget(method, path)).toBe(video);
  });

  it.each([
    ['GET', '/api/v1/videos/clip-1/reprocess'],
    ['GET', '/api/v1/videos/clip-1'],
    ['GET', '/api/v1/videos'],
    ['POST', '/api/v1/videos/clip-1/tokens'],
    ['DELETE', '/api/v1/videos/clip-1/reprocess'],
    ['POST', '/media/clip-1/current/master.m3u8'],
    ['GET', '/metrics'],
    ['GET', '/media/clip-1'],
  ])('takes no token on %s %s', (method, path) => {
    expect(tokenTarget(method, path)).toBeNull();
  });
});
