import type { PassThrough } from 'node:stream';
import type { ParameterizedContext } from 'koa';
import type { RequestState } from '../context';
import { ApiError } from '../errors';
import type { ApiMetrics } from '../metrics';
import type { ErrorEnvelope } from '../models';
import type { FeedEvent } from './feed';
import type { StreamAllowance } from './allowance';
import { formatSse, SSE_KEEP_ALIVE, sseRetry } from './sse';

/** How long a client waits before reconnecting after a dropped connection. */
export const RECONNECT_MS = 2_000;

/** One of the client's event streams, with the function that gives it back; TOO_MANY_STREAMS when it has none left. */
export function takeStream(ctx: ParameterizedContext<RequestState>, allowance: StreamAllowance): () => void {
  const giveBack = allowance.take(ctx.state.client);
  if (giveBack !== null) return giveBack;
  // A browser's EventSource gives up on any answer but 200 (it ignores Retry-After); other clients are told when.
  ctx.set('Retry-After', String(RECONNECT_MS / 1000 + 8));
  throw new ApiError('TOO_MANY_STREAMS', undefined, {
    per_client: allowance.perClient,
    held: allowance.heldBy(ctx.state.client),
  });
}

/**
 * Answers the request with `stream` as server-sent events: the headers proxies need, the reconnect delay, a
 * keep-alive comment every `keepAliveMs` while it is open, and the open-streams gauge.
 */
export function serveEventStream(
  ctx: ParameterizedContext<RequestState>,
  stream: PassThrough,
  options: { keepAliveMs: number; metrics: Pick<ApiMetrics, 'eventClients'> },
): void {
  options.metrics.eventClients.inc();
  const keepAlive = setInterval(() => {
    if (!stream.writableEnded) stream.write(SSE_KEEP_ALIVE);
  }, options.keepAliveMs);
  const stop = () => clearInterval(keepAlive);
  stream.once('finish', stop);
  stream.once('close', () => {
    stop();
    options.metrics.eventClients.dec();
  });
  ctx.req.socket.setTimeout(0);
  ctx.req.socket.setNoDelay(true);
  ctx.status = 200;
  ctx.type = 'text/event-stream';
  ctx.set('Cache-Control', 'no-cache, no-transform');
  // Tells nginx-style proxies not to buffer the stream.
  ctx.set('X-Accel-Buffering', 'no');
  ctx.body = stream;
  stream.write(sseRetry(RECONNECT_MS));
}

/**
 * What a client's stream does with each event of the feed it follows: a snapshot goes through `send` (which may
 * skip what the client has seen), a problem is written in the error envelope (ending the stream when final), and
 * the feed's end ends the stream with the last status.
 */
export function feedEventWriter<T>(
  ctx: ParameterizedContext<RequestState>,
  stream: PassThrough,
  handlers: { send: (snapshot: T) => void; end: (status: string | null) => void; lastStatus: () => string | null },
): (event: FeedEvent<T>) => void {
  return (event) => {
    if (stream.writableEnded) return;
    if (event.kind === 'snapshot') handlers.send(event.snapshot);
    else if (event.kind === 'problem') {
      const data: ErrorEnvelope = {
        error: { code: event.error.code, message: event.error.message, request_id: ctx.state.requestId },
      };
      stream.write(formatSse({ event: 'problem', data }));
      if (event.final) handlers.end(null);
    } else handlers.end(handlers.lastStatus());
  };
}
