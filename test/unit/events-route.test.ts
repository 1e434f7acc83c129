import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import pino from 'pino';
import type { RequestState } from '../../src/api/context';
import { StreamAllowance } from '../../src/api/events/allowance';
import { followVideoRuns } from '../../src/api/events/followed';
import { ProgressHub } from '../../src/api/events/hub';
import { createMetrics } from '../../src/api/metrics';
import { errorEnvelope } from '../../src/api/middleware/errors';
import { requestContext } from '../../src/api/middleware/request-context';
import type { TaskProgressResponse } from '../../src/api/models';
import { ApiRouter } from '../../src/api/operations';
import { eventRoutes } from '../../src/api/routes/events';
import { snapshot } from '../helpers/snapshots';
import { eventually, Gate } from '../helpers/gate';
import { openEventStream } from '../helpers/sse';

/** The events route alone, over a scripted reader, on a real socket. */
async function serve(
  read: (videoId: string) => Promise<TaskProgressResponse>,
  allowance = new StreamAllowance(100, 100),
  client: (ctx: Koa.ParameterizedContext<RequestState>) => string = () => 'one client',
  requireVideo: () => Promise<void> = () => Promise.resolve(),
) {
  const metrics = createMetrics();
  const hub = new ProgressHub(followVideoRuns(read), 5, metrics);
  const router = new ApiRouter();
  eventRoutes({ hub, metrics, requireVideo, keepAliveMs: 60_000, allowance }, router);
  const app = new Koa<RequestState>();
  app.use(requestContext(pino({ level: 'silent' })));
  app.use(errorEnvelope());
  app.use(async (ctx, next) => {
    ctx.state.client = client(ctx);
    await next();
  });
  app.use(router.router.routes());
  app.silent = true;
  const handle = app.callback();
  const server = http.createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/videos/v/reprocess/events`;
  return {
    url,
    hub,
    metrics,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function script(...answers: TaskProgressResponse[]) {
  return () => Promise.resolve(answers.length > 1 ? answers.shift()! : answers[0]!);
}

describe('GET /api/v1/videos/:video_id/reprocess/events', () => {
  it('sends only what follows Last-Event-ID, then an end whose id is the final seq', async () => {
    const served = await serve(script(snapshot(5), snapshot(6), snapshot(7, 'completed')));
    try {
      const stream = await openEventStream(served.url, { 'Last-Event-ID': '5' });
      await stream.ended;
      expect(stream.events.map((event) => [event.event, event.id])).toEqual([
        ['progress', 6],
        ['progress', 7],
        ['end', 7],
      ]);
    } finally {
      await served.close();
    }
  });

  it('answers 204 to a client that has seen the end, and ignores an id from an earlier run', async () => {
    const served = await serve(script(snapshot(7, 'completed')));
    try {
      expect((await openEventStream(served.url, { 'Last-Event-ID': '7' })).status).toBe(204);
      // seq restarts with each run: an id above the current seq belongs to another run.
      const other = await openEventStream(served.url, { 'Last-Event-ID': '99' });
      await other.ended;
      expect(other.events.map((event) => [event.event, event.id])).toEqual([
        ['progress', 7],
        ['end', 7],
      ]);
    } finally {
      await served.close();
    }
  });

  it('leaves nothing behind when the client goes away before the first read lands', async () => {
    const gate = new Gate();
    const served = await serve(async () => {
      await gate.passed;
      return snapshot(1);
    });
    try {
      const request = http.get(served.url);
      request.on('error', () => undefined);
      await eventually(() => (served.hub.pollerCount === 1 ? true : undefined));
      request.destroy();
      await new Promise((resolve) => setTimeout(resolve, 50));
      gate.open();
      await eventually(() => (served.hub.pollerCount === 0 ? true : undefined));
      const clients = await served.metrics.eventClients.get();
      expect(clients.values[0]?.value ?? 0).toBe(0);
    } finally {
      await served.close();
    }
  });

  it("answers 429 TOO_MANY_STREAMS with Retry-After past a client's streams, and frees a slot when one closes", async () => {
    const allowance = new StreamAllowance(2, 3);
    const served = await serve(script(snapshot(1)), allowance, (ctx) => ctx.get('X-Client') || 'anonymous');
    const open: Awaited<ReturnType<typeof openEventStream>>[] = [];
    try {
      for (let i = 0; i < 2; i += 1) open.push(await openEventStream(served.url, { 'X-Client': 'a' }));
      expect(open.map((stream) => stream.status)).toEqual([200, 200]);
      const refused = await openEventStream(served.url, { 'X-Client': 'a' });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      // Another client still gets one, until the total is reached.
      open.push(await openEventStream(served.url, { 'X-Client': 'b' }));
      expect(open[2]!.status).toBe(200);
      expect((await openEventStream(served.url, { 'X-Client': 'c' })).status).toBe(429);
      open.shift()!.close();
      await eventually(() => (allowance.heldBy('a') === 1 ? true : undefined));
      const again = await openEventStream(served.url, { 'X-Client': 'a' });
      open.push(again);
      expect(again.status).toBe(200);
    } finally {
      for (const stream of open) stream.close();
      await served.close();
    }
  });

  it('keeps no slot for a client that leaves while its video is looked up', async () => {
    const gate = new Gate();
    const allowance = new StreamAllowance(1, 1);
    const served = await serve(script(snapshot(1)), allowance, undefined, () => gate.passed);
    try {
      const request = http.get(served.url);
      request.on('error', () => undefined);
      await new Promise((resolve) => setTimeout(resolve, 50));
      request.destroy();
      await new Promise((resolve) => setTimeout(resolve, 50));
      gate.open();
      await eventually(() => (allowance.heldBy('one client') === 0 && served.hub.pollerCount === 0 ? true : undefined));
      const next = await openEventStream(served.url);
      expect(next.status).toBe(200);
      next.close();
    } finally {
      await served.close();
    }
  });
});
