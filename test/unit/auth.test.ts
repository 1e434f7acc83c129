import request from 'supertest';
import { ErrorEnvelope } from '../../src/api/models';
import type Koa from 'koa';
import { buildApp, unreachableClient } from '../helpers/api';
import { makeDataDir } from '../helpers/media';

const KEYS = ['first-key-0123456789abcdef', 'second-key-0123456789abcdef'];

describe('Authorization: Bearer <key>', () => {
  let keyed: ReturnType<Koa['callback']>;
  let open: ReturnType<Koa['callback']>;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const made = await makeDataDir();
    cleanup = made.cleanup;
    keyed = (await buildApp(unreachableClient(1), made.dataDir, 'unused', { apiKeys: KEYS })).callback();
    open = (await buildApp(unreachableClient(1), made.dataDir, 'unused')).callback();
  });

  afterAll(() => cleanup());

  it('leaves /healthz open', async () => {
    expect((await request(keyed).get('/healthz')).status).toBe(200);
  });

  it.each(['/openapi.json', '/docs', '/metrics', '/readyz', '/api/v1/videos/clip/reprocess', '/nowhere'])(
    'answers 401 UNAUTHORIZED on %s without a key, and asks for a Bearer token',
    async (path) => {
      const response = await request(keyed).get(path);
      expect(response.status).toBe(401);
      expect(ErrorEnvelope.parse(response.body).error.code).toBe('UNAUTHORIZED');
      expect(response.headers['www-authenticate']).toBe('Bearer realm="reprocess"');
    },
  );

  it.each([
    ['a wrong key', 'Bearer wrong-key-0123456789abcdef'],
    ['a key prefix', `Bearer ${KEYS[0]!.slice(0, -1)}`],
    ['another scheme', `Basic ${KEYS[0]!}`],
    ['an empty token', 'Bearer '],
  ])('refuses %s', async (_what, header) => {
    const response = await request(keyed).get('/openapi.json').set('Authorization', header);
    expect(response.status).toBe(401);
  });

  it('accepts every configured key', async () => {
    for (const key of KEYS) {
      const response = await request(keyed).get('/openapi.json').set('Authorization', `Bearer ${key}`);
      expect(response.status).toBe(200);
    }
    expect(
      (await request(keyed).post('/api/v1/videos/-bad/run_sync').set('Authorization', `bearer ${KEYS[1]!}`)).status,
    ).toBe(400);
  });

  it('requires nothing when no keys are configured', async () => {
    expect((await request(open).get('/openapi.json')).status).toBe(200);
  });
});
