import Koa from 'koa';
import pino from 'pino';
import request from 'supertest';
import type { RequestState } from '../../src/api/context';
import { refuseCrossSite, requestHostname, requireServedHost } from '../../src/api/middleware/browser-guard';
import { errorEnvelope } from '../../src/api/middleware/errors';
import { requestContext } from '../../src/api/middleware/request-context';
import { titleFromFilename } from '../../src/api/videos';

function guarded(options: { apiKeys?: string[]; bindHost?: string; hosts?: string[]; origins?: string[] } = {}) {
  const app = new Koa<RequestState>();
  app.use(requestContext(pino({ level: 'silent' })));
  app.use(errorEnvelope());
  app.use(
    requireServedHost({
      apiKeys: options.apiKeys ?? [],
      bindHost: options.bindHost ?? '127.0.0.1',
      allowedHosts: options.hosts ?? [],
    }),
  );
  app.use(refuseCrossSite(options.origins ?? []));
  app.use((ctx) => {
    ctx.body = { ok: true };
  });
  app.silent = true;
  return app.callback();
}

describe('requestHostname(Host)', () => {
  it.each([
    ['127.0.0.1:8080', '127.0.0.1'],
    ['LocalHost:80', 'localhost'],
    ['example.com.', 'example.com'],
    ['[::1]:8080', '::1'],
    ['[::1]', '::1'],
    ['', null],
    [':8080', null],
    ['a:b:c', null],
  ])('%j → %j', (host, expected) => {
    expect(requestHostname(host)).toBe(expected);
  });
});

describe('requireServedHost', () => {
  it('serves the bound address when it is not a loopback name', async () => {
    const app = guarded({ bindHost: '192.168.1.20' });
    expect((await request(app).get('/').set('Host', '192.168.1.20:8080')).status).toBe(200);
    expect((await request(app).get('/').set('Host', '192.168.1.21:8080')).status).toBe(403);
  });

  it('takes subdomains only for names given with a leading dot', async () => {
    const app = guarded({ hosts: ['exact.lan', '.corp.example'] });
    expect((await request(app).get('/').set('Host', 'exact.lan')).status).toBe(200);
    expect((await request(app).get('/').set('Host', 'sub.exact.lan')).status).toBe(403);
    expect((await request(app).get('/').set('Host', 'x.y.corp.example')).status).toBe(200);
    expect((await request(app).get('/').set('Host', 'evilcorp.example')).status).toBe(403);
  });
});

describe('refuseCrossSite', () => {
  const post = (app: ReturnType<typeof guarded>, headers: Record<string, string>) => {
    let call = request(app).post('/');
    for (const [name, value] of Object.entries(headers)) call = call.set(name, value);
    return call;
  };

  it('counts the scheme default port when the Host carries none (behind a TLS proxy)', async () => {
    const app = guarded({ apiKeys: ['k'] });
    expect((await post(app, { Host: 'api.example.com', Origin: 'https://api.example.com' })).status).toBe(200);
    expect((await post(app, { Host: 'api.example.com', Origin: 'https://api.example.com:8443' })).status).toBe(403);
    expect((await post(app, { Host: 'localhost', Origin: 'http://localhost:3000' })).status).toBe(403);
    expect((await post(app, { Host: 'api.example.com', Origin: 'https://other.example.com' })).status).toBe(403);
  });

  it('lets clients that send neither Origin nor Sec-Fetch-Site through, and GETs from anywhere', async () => {
    const app = guarded();
    expect((await post(app, {})).status).toBe(200);
    expect((await post(app, { 'Sec-Fetch-Site': 'none' })).status).toBe(200);
    expect((await request(app).get('/').set('Origin', 'http://evil.example')).status).toBe(200);
  });

  it('takes ALLOWED_ORIGINS case-insensitively', async () => {
    const app = guarded({ origins: ['https://Dash.Example.com'] });
    expect((await post(app, { Origin: 'https://dash.example.com' })).status).toBe(200);
  });
});

describe('titleFromFilename', () => {
  it('bounds the name like a title field and drops control characters', () => {
    expect(titleFromFilename(`${'x'.repeat(900)}.mp4`)).toHaveLength(500);
    expect(titleFromFilename('a\u0000b\u001b[31m\u007fc.mp4')).toBe('a b [31m c.mp4');
    expect(titleFromFilename('  \u0007 ')).toBeNull();
    // Bounded in UTF-16 units, as the title field's own check counts, and a character is never cut in half.
    const emoji = titleFromFilename(`a${'😀'.repeat(600)}`) ?? '';
    expect(emoji.length).toBe(499);
    expect(emoji.endsWith('😀')).toBe(true);
  });
});
