import { PassThrough } from 'node:stream';
import type Router from '@koa/router';
import { isFinalTaskStatus } from '../../progress';
import type { RequestState } from '../context';
import { snapshotKey, type FeedEvent } from '../events/feed';
import type { ProgressHub } from '../events/hub';
import { formatSse, parseLastEventId, SSE_KEEP_ALIVE, sseRetry } from '../events/sse';
import type { ApiMetrics } from '../metrics';
import type { ErrorEnvelope, TaskProgressResponse } from '../models';
import { requireVideo } from '../videos';

export interface EventRoutesDeps {
  hub: ProgressHub;
  metrics: ApiMetrics;
  dataDir: string;
  keepAliveMs: number;
}

/** How long a client waits before reconnecting after a dropped connection. */
const RECONNECT_MS = 2_000;

/**
 * `GET …/reprocess/events`: the latest run's snapshots as server-sent events, one `progress` event per change with
 * `id` = seq, then an `end` event once the run is over. A reconnecting client sends `Last-Event-ID` and gets only
 * what it has not seen; one that already saw the end gets 204, which tells EventSource to stop reconnecting.
 * Snapshots that are stale (the workflow could not answer) carry no id, so they never move a client's position.
 */
export function eventRoutes(
  { hub, metrics, dataDir, keepAliveMs }: EventRoutesDeps,
  router: Router<RequestState>,
): void {
  router.get('/api/v1/videos/:video_id/reprocess/events', async (ctx) => {
    const videoId = ctx.params['video_id'] as string;
    await requireVideo(dataDir, videoId);
    let lastSeen = parseLastEventId(ctx.get('Last-Event-ID') || undefined);

    const stream = new PassThrough();
    const pending: FeedEvent[] = [];
    let deliver: (event: FeedEvent) => void = (event) => pending.push(event);
    const feed = hub.feedFor(videoId);
    const unlisten = feed.listen((event) => deliver(event));

    // Errors before the stream opens (unknown task, Temporal down) are answered like the GET's.
    let first: TaskProgressResponse;
    try {
      await feed.ready;
      first = feed.current ?? (await feed.ready);
    } catch (error) {
      unlisten();
      throw error;
    }
    if (isFinalTaskStatus(first.status) && !first.stale && lastSeen !== null && first.seq <= lastSeen) {
      unlisten();
      ctx.status = 204;
      return;
    }

    let sentKey: string | null = null;
    const send = (snapshot: TaskProgressResponse) => {
      if (!snapshot.stale && lastSeen !== null && snapshot.seq <= lastSeen) return;
      const key = snapshotKey(snapshot);
      if (key === sentKey) return;
      sentKey = key;
      if (!snapshot.stale) lastSeen = snapshot.seq;
      stream.write(formatSse({ id: snapshot.stale ? undefined : snapshot.seq, event: 'progress', data: snapshot }));
    };
    const end = (status: string | null) => {
      stream.end(formatSse({ event: 'end', data: { status } }));
    };
    const onEvent = (event: FeedEvent) => {
      if (stream.writableEnded) return;
      if (event.kind === 'snapshot') send(event.snapshot);
      else if (event.kind === 'problem') {
        const data: ErrorEnvelope = {
          error: { code: event.error.code, message: event.error.message, request_id: ctx.state.requestId },
        };
        stream.write(formatSse({ event: 'problem', data }));
        if (event.final) end(null);
      } else end(feed.current?.status ?? null);
    };

    const keepAlive = setInterval(() => stream.write(SSE_KEEP_ALIVE), keepAliveMs);
    metrics.eventClients.inc();
    ctx.res.once('close', () => {
      clearInterval(keepAlive);
      unlisten();
      metrics.eventClients.dec();
      stream.end();
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
    send(first);
    if (isFinalTaskStatus(first.status)) return end(first.status);
    deliver = onEvent;
    for (const event of pending.splice(0)) onEvent(event);
  });
}
