import { PassThrough } from 'node:stream';
import { isFinalTaskStatus } from '../../progress';
import type { StreamAllowance } from '../events/allowance';
import type { FeedEvent } from '../events/feed';
import { videoSnapshotKey } from '../events/followed';
import type { ProgressHub } from '../events/hub';
import { formatSse, parseLastEventId } from '../events/sse';
import { feedEventWriter, serveEventStream, takeStream } from '../events/stream';
import type { ApiMetrics } from '../metrics';
import type { TaskProgressResponse } from '../models';
import type { VideoCheck } from '../videos';
import { READ_ERRORS, type ApiRouter, type OperationSpec } from '../operations';

export interface EventRoutesDeps {
  hub: ProgressHub<TaskProgressResponse>;
  metrics: ApiMetrics;
  requireVideo: VideoCheck;
  keepAliveMs: number;
  allowance: StreamAllowance;
}

const FOLLOW_PROGRESS: OperationSpec = {
  operationId: 'followProgress',
  tag: 'runs',
  summary: 'Follow the latest run live (server-sent events)',
  description:
    'One `progress` event (data: TaskProgressResponse, `id` = seq) per change, `problem` events (data: ' +
    'ErrorEnvelope) while the workflow service is unreachable, keep-alive comments, then an `end` event after a ' +
    'terminal state. Send `Last-Event-ID` to resume; 204 when that client has already seen the end.',
  success: {
    status: 200,
    description: 'An event stream; each `progress` event carries a TaskProgressResponse',
    media: 'text/event-stream',
  },
  errors: [...READ_ERRORS, 'TOO_MANY_STREAMS'],
  lastEventId: true,
  mediaToken: true,
  also: { status: 204, description: 'The client has already seen the end of the run (its Last-Event-ID)' },
};

/**
 * `GET …/reprocess/events`: the latest run's snapshots as server-sent events, one `progress` event per change with
 * `id` = seq, then an `end` event (whose id is the final seq) once the run is over. A reconnecting client sends
 * `Last-Event-ID` and gets only what it has not seen; one that already saw the end gets 204, which tells EventSource
 * to stop reconnecting. Stale snapshots (the workflow could not answer) carry no id, so they never move a client's
 * position.
 */
export function eventRoutes(deps: EventRoutesDeps, router: ApiRouter): void {
  const { hub, metrics, requireVideo, keepAliveMs, allowance } = deps;

  router.get('/api/v1/videos/:video_id/reprocess/events', FOLLOW_PROGRESS, async (ctx) => {
    const videoId = ctx.params['video_id'] as string;
    await requireVideo(videoId);
    // A client gone while the video was looked up is owed nothing: its close has passed, and no cleanup would run.
    if (ctx.req.socket.destroyed) return;
    let lastSeen = parseLastEventId(ctx.get('Last-Event-ID') || undefined);
    const giveBack = takeStream(ctx, allowance);

    // Cleanup is set up before the first read, so a client that leaves while it is pending leaves nothing behind.
    const stream = new PassThrough();
    const pending: FeedEvent<TaskProgressResponse>[] = [];
    let deliver: (event: FeedEvent<TaskProgressResponse>) => void = (event) => pending.push(event);
    const feed = hub.feedFor(videoId);
    const unlisten = feed.listen((event) => deliver(event));
    let closed = false;
    const cleanup = () => {
      if (closed) return;
      closed = true;
      giveBack();
      unlisten();
      stream.end();
    };
    ctx.res.once('close', cleanup);

    let first: TaskProgressResponse;
    try {
      await feed.ready;
      first = feed.current ?? (await feed.ready);
    } catch (error) {
      cleanup();
      throw error;
    }
    if (closed) return;
    ctx.state.log = ctx.state.log.child({ run_id: first.run_id });

    // An id above the current seq belongs to an earlier run (seq restarts with each run): it says nothing here.
    if (lastSeen !== null && first.seq < lastSeen) lastSeen = null;
    if (isFinalTaskStatus(first.status) && lastSeen !== null && (first.stale || first.seq === lastSeen)) {
      cleanup();
      ctx.status = 204;
      return;
    }

    let sentKey: string | null = null;
    let lastSentStale = false;
    const send = (snapshot: TaskProgressResponse) => {
      // A live snapshot the client has seen is skipped, unless what it saw since was stale.
      if (!snapshot.stale && lastSeen !== null && snapshot.seq <= lastSeen && !lastSentStale) return;
      const key = videoSnapshotKey(snapshot);
      if (key === sentKey) return;
      sentKey = key;
      lastSentStale = snapshot.stale;
      if (!snapshot.stale) lastSeen = snapshot.seq;
      stream.write(formatSse({ id: snapshot.stale ? undefined : snapshot.seq, event: 'progress', data: snapshot }));
    };
    const end = (status: string | null) => {
      // The end carries an id, so a client that reconnects after it is told (204) there is nothing more.
      stream.end(formatSse({ id: lastSeen ?? feed.current?.seq ?? 0, event: 'end', data: { status } }));
    };
    const onEvent = feedEventWriter<TaskProgressResponse>(ctx, stream, {
      send,
      end,
      lastStatus: () => feed.current?.status ?? null,
    });

    serveEventStream(ctx, stream, { keepAliveMs, metrics });
    send(first);
    if (isFinalTaskStatus(first.status)) return end(first.status);
    deliver = onEvent;
    for (const event of pending.splice(0)) onEvent(event);
  });
}
