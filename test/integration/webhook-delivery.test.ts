import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { deliverOnce, type AttemptOptions } from '../../src/webhooks/http-delivery';

/** A receiver on loopback whose answer each test sets; it counts what it was sent. */
function receiver() {
  const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  let answer: (response: http.ServerResponse) => void = (response) => response.writeHead(204).end();
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      answer(response);
    });
  });
  return {
    received,
    answerWith(next: (response: http.ServerResponse) => void) {
      answer = next;
    },
    async listen(): Promise<number> {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return (server.address() as AddressInfo).port;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    server,
  };
}

describe('one webhook attempt over real HTTP', () => {
  const hook = receiver();
  let url: string;
  const allowed: AttemptOptions = { allowPrivate: true, timeoutMs: 2_000, maxResponseBytes: 64 * 1024 };
  const post = (options: AttemptOptions = allowed, to = url) =>
    deliverOnce({ url: to, headers: { 'webhook-id': 'msg_1' }, body: '{"type":"reprocess.completed"}' }, options);

  beforeAll(async () => {
    url = `http://127.0.0.1:${await hook.listen()}/hook`;
  });

  afterAll(async () => {
    hook.server.closeAllConnections();
    await hook.close();
  });

  beforeEach(() => {
    hook.received.length = 0;
  });

  it('is delivered on a 2xx, with the body and headers as sent', async () => {
    hook.answerWith((response) => response.writeHead(200).end('thanks'));
    await expect(post()).resolves.toEqual({ kind: 'delivered', status: 200 });
    expect(hook.received).toHaveLength(1);
    expect(hook.received[0]).toMatchObject({
      body: '{"type":"reprocess.completed"}',
      headers: { 'webhook-id': 'msg_1' },
    });
  });

  it('stops for good on a 410', async () => {
    hook.answerWith((response) => response.writeHead(410).end());
    await expect(post()).resolves.toMatchObject({ kind: 'gone', status: 410 });
  });

  it('fails a redirect without following it', async () => {
    hook.answerWith((response) => response.writeHead(302, { location: `${url}/elsewhere` }).end());
    await expect(post()).resolves.toMatchObject({
      kind: 'failed',
      status: 302,
      error: expect.stringMatching(/redirect/) as unknown,
    });
    expect(hook.received.map((r) => r.headers['webhook-id'])).toEqual(['msg_1']);
  });

  it("honours a 503's or a 429's Retry-After, and retries any other error status on the schedule", async () => {
    hook.answerWith((response) => response.writeHead(503, { 'retry-after': '7' }).end());
    await expect(post()).resolves.toMatchObject({ kind: 'failed', status: 503, retryAfterMs: 7_000 });
    hook.answerWith((response) => response.writeHead(429, { 'retry-after': '2' }).end());
    await expect(post()).resolves.toMatchObject({ kind: 'failed', status: 429, retryAfterMs: 2_000 });
    hook.answerWith((response) => response.writeHead(500, { 'retry-after': '9' }).end());
    await expect(post()).resolves.toMatchObject({ kind: 'failed', status: 500, retryAfterMs: null });
  });

  it('gives up on a receiver that never answers, at the timeout', async () => {
    hook.answerWith(() => undefined);
    await expect(post({ ...allowed, timeoutMs: 300 })).resolves.toMatchObject({
      kind: 'failed',
      status: null,
      error: 'no answer within 300 ms',
    });
  });

  it('reads no more of an answer than the limit', async () => {
    hook.answerWith((response) => {
      response.writeHead(200);
      const block = Buffer.alloc(64 * 1024, 'x');
      const pump = () => {
        while (response.write(block));
        response.once('drain', pump);
      };
      pump();
      response.once('close', () => response.removeAllListeners('drain'));
    });
    await expect(post({ ...allowed, maxResponseBytes: 1024 })).resolves.toEqual({ kind: 'delivered', status: 200 });
  });

  it('refuses, without connecting, a public-looking name that resolves to loopback, and a literal private address', async () => {
    const port = new URL(url).port;
    const resolvesToLoopback = ((_host: string, _options: unknown, callback: (...args: unknown[]) => void) =>
      callback(null, [{ address: '127.0.0.1', family: 4 }])) as never;
    const strict: AttemptOptions = { ...allowed, allowPrivate: false, lookup: resolvesToLoopback };
    const viaName = await post(strict, `https://hooks.example.com:${port}/hook`);
    expect(viaName).toMatchObject({
      kind: 'refused',
      error: expect.stringMatching(/hooks\.example\.com resolves to a loopback/) as unknown,
    });
    const mapped = ((_host: string, _options: unknown, callback: (...args: unknown[]) => void) =>
      callback(null, [{ address: '::ffff:10.0.0.1', family: 6 }])) as never;
    await expect(post({ ...strict, lookup: mapped }, `https://hooks.example.com:${port}/hook`)).resolves.toMatchObject({
      kind: 'refused',
      error: expect.stringMatching(/private/) as unknown,
    });
    await expect(post(strict, `https://10.0.0.7:${port}/hook`)).resolves.toMatchObject({ kind: 'refused' });
    await expect(post(strict)).resolves.toMatchObject({
      kind: 'refused',
      error: expect.stringMatching(/https/) as unknown,
    });
    expect(hook.received).toHaveLength(0);
  });
});
