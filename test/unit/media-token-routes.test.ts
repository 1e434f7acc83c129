import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import type Koa from 'koa';
import { ErrorEnvelope, MediaTokenResponse } from '../../src/api/models';
import { buildApp, unreachableClient } from '../helpers/api';
import { makeDataDir } from '../helpers/media';

const KEY = 'dashboard-key-0123456789abcdef';
const auth = { Authorization: `Bearer ${KEY}` };

/** Two videos put in place by hand, one with a published poster. */
async function placeVideos(dataDir: string): Promise<void> {
  for (const id of ['clip-a', 'clip-b']) {
    await fs.mkdir(path.join(dataDir, 'media', id, 'runs', 'run-1'), { recursive: true });
    await fs.writeFile(path.join(dataDir, 'media', id, 'source.mp4'), 'not probed here');
    await fs.writeFile(path.join(dataDir, 'media', id, 'runs', 'run-1', 'poster.jpg'), `poster of ${id}`);
  }
}

describe('POST /api/v1/videos/{video_id}/tokens and ?token=', () => {
  let keyed: ReturnType<Koa['callback']>;
  let shortLived: ReturnType<Koa['callback']>;
  let logs = '';
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const made = await makeDataDir();
    cleanup = made.cleanup;
    await placeVideos(made.dataDir);
    const logger = pino(
      { level: 'debug' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          logs += chunk.toString();
          done();
        },
      }),
    );
    const tokens = { secret: 'shared-secret-of-at-least-thirty-two-chars', ttlSeconds: 900 };
    keyed = (
      await buildApp(unreachableClient(1), made.dataDir, 'unused', { apiKeys: [KEY], mediaTokens: tokens, logger })
    ).callback();
    shortLived = (
      await buildApp(unreachableClient(1), made.dataDir, 'unused', {
        apiKeys: [KEY],
        mediaTokens: { ...tokens, ttlSeconds: 1 },
      })
    ).callback();
  });

  afterAll(() => cleanup());

  const mint = async (app: ReturnType<Koa['callback']>, videoId: string) => {
    const response = await request(app).post(`/api/v1/videos/${videoId}/tokens`).set(auth);
    expect(response.status).toBe(201);
    return MediaTokenResponse.parse(response.body);
  };

  it('mints a read-only token for one video with a key, and none without', async () => {
    const minted = await mint(keyed, 'clip-a');
    expect(minted).toMatchObject({ video_id: 'clip-a', scope: 'read', expires_in: 900 });
    expect(Date.parse(minted.expires_at) - Date.now()).toBeGreaterThan(890_000);
    const refused = await request(keyed).post('/api/v1/videos/clip-a/tokens');
    expect(ErrorEnvelope.parse(refused.body).error.code).toBe('UNAUTHORIZED');
    const unknown = await request(keyed).post('/api/v1/videos/nobody/tokens').set(auth);
    expect(ErrorEnvelope.parse(unknown.body).error.code).toBe('VIDEO_NOT_FOUND');
  });

  it('names the key that minted it, so what the token opens counts against that key', async () => {
    const { token } = await mint(keyed, 'clip-a');
    expect(token.split('.')[2]).toBe(createHash('sha256').update(KEY).digest('hex').slice(0, 16));
  });

  it("reads the video's media with the token, not another video's, and no shared cache may keep it", async () => {
    const { token } = await mint(keyed, 'clip-a');
    const own = await request(keyed).get(`/media/clip-a/runs/run-1/poster.jpg?token=${token}`);
    expect(own.status).toBe(200);
    expect(own.headers['cache-control']).toBe('private, max-age=31536000, immutable');
    expect((own.body as Buffer).toString()).toBe('poster of clip-a');
    const other = await request(keyed).get(`/media/clip-b/runs/run-1/poster.jpg?token=${token}`);
    expect(other.status).toBe(401);
    expect(ErrorEnvelope.parse(other.body).error.code).toBe('TOKEN_INVALID');
    expect(ErrorEnvelope.parse(other.body).error.message).toBe('This media token is for another video');
  });

  it('opens the event stream with the token (past the key check)', async () => {
    const { token } = await mint(keyed, 'clip-a');
    const stream = await request(keyed).get(`/api/v1/videos/clip-a/reprocess/events?token=${token}`);
    // Temporal is unreachable here: what matters is that the answer is the stream's, not the key check's.
    expect(stream.status).not.toBe(401);
    const other = await request(keyed).get(`/api/v1/videos/clip-b/reprocess/events?token=${token}`);
    expect(ErrorEnvelope.parse(other.body).error.code).toBe('TOKEN_INVALID');
  });

  it.each([
    ['GET', '/api/v1/videos/clip-a'],
    ['GET', '/api/v1/videos/clip-a/reprocess'],
    ['GET', '/api/v1/videos'],
    ['POST', '/api/v1/videos/clip-a/reprocess'],
    ['DELETE', '/api/v1/videos/clip-a/reprocess'],
    ['POST', '/api/v1/videos/clip-a/tokens'],
  ])('takes no token on %s %s', async (method, route) => {
    const { token } = await mint(keyed, 'clip-a');
    const response = await request(keyed)[method === 'GET' ? 'get' : method === 'POST' ? 'post' : 'delete'](
      `${route}?token=${token}`,
    );
    expect(response.status).toBe(401);
    expect(ErrorEnvelope.parse(response.body).error.code).toBe('UNAUTHORIZED');
  });

  it('refuses a forged token, and an expired one with its own code', async () => {
    const forged = await request(keyed).get(
      '/media/clip-a/runs/run-1/poster.jpg?token=clip-a.9999999999.none.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    );
    expect(ErrorEnvelope.parse(forged.body).error.code).toBe('TOKEN_INVALID');
    const { token } = await mint(shortLived, 'clip-a');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const expired = await request(shortLived).get(`/media/clip-a/runs/run-1/poster.jpg?token=${token}`);
    expect(expired.status).toBe(401);
    expect(ErrorEnvelope.parse(expired.body).error.code).toBe('TOKEN_EXPIRED');
  });

  it('accepts tokens minted by another instance sharing the secret', async () => {
    const { token } = await mint(shortLived, 'clip-a');
    expect((await request(keyed).get(`/media/clip-a/runs/run-1/poster.jpg?token=${token}`)).status).toBe(200);
  });

  it('never writes a token to the logs', async () => {
    const { token } = await mint(keyed, 'clip-a');
    await request(keyed).get(`/media/clip-a/runs/run-1/poster.jpg?token=${token}`);
    await request(keyed).get(`/media/clip-b/runs/run-1/poster.jpg?token=${token}`);
    await request(keyed).get(`/api/v1/videos?token=${token}`);
    expect(logs).toContain('/media/clip-a/runs/run-1/poster.jpg');
    expect(logs).not.toContain(token.split('.')[2]!);
  });
});

describe('the dashboard', () => {
  let keyed: ReturnType<Koa['callback']>;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const made = await makeDataDir();
    cleanup = made.cleanup;
    keyed = (
      await buildApp(unreachableClient(1), made.dataDir, 'unused', {
        apiKeys: [KEY],
        temporalUi: { uiUrl: 'http://temporal.example:8233', namespace: 'media' },
      })
    ).callback();
  });

  afterAll(() => cleanup());

  it.each(['/', '/videos/clip-a'])(
    'serves its page at %s without a key, under a policy that allows no inline script',
    async (route) => {
      const response = await request(keyed).get(route);
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      const policy = response.headers['content-security-policy'] as string;
      expect(policy).toContain("script-src 'self'");
      expect(policy).not.toContain('unsafe-inline');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      expect(response.text).toContain('<script src="/app/app.js" defer></script>');
      expect(response.text).not.toMatch(/<script>(?!<\/script>)/);
    },
  );

  it.each([
    ['app.js', 'text/javascript; charset=utf-8'],
    ['app.css', 'text/css; charset=utf-8'],
    ['icon.svg', 'image/svg+xml'],
  ])('serves %s as %s', async (asset, type) => {
    const response = await request(keyed).get(`/app/${asset}`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe(type);
  });

  it('serves no other file as an asset', async () => {
    for (const name of ['index.html', '..%2Fpackage.json', 'app.ts']) {
      const response = await request(keyed).get(`/app/${name}`);
      expect(response.status).toBe(404);
    }
  });

  it('tells a keyed client what the page needs: steps, renditions, the Temporal UI', async () => {
    expect((await request(keyed).get('/api/v1/service')).status).toBe(401);
    const response = await request(keyed).get('/api/v1/service').set(auth);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      api_keys_required: true,
      steps: ['probe', 'thumbnails', 'transcode', 'audio', 'scenes', 'publish'],
      mandatory_steps: ['probe', 'publish'],
      renditions: [1080, 720, 480, 360, 240],
      temporal: { ui_url: 'http://temporal.example:8233', namespace: 'media' },
    });
  });
});
